import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useConfirm } from './useConfirm';

describe('useConfirm', () => {
  it('holds the subject while open and resets the mutation on opening and closing', () => {
    const reset = vi.fn();
    const { result } = renderHook(() => useConfirm<{ id: string }>({ reset }));
    expect(result.current.subject).toBeNull();

    act(() => result.current.open({ id: 'a' }));
    expect(result.current.subject).toEqual({ id: 'a' });
    expect(reset).toHaveBeenCalledTimes(1);

    act(() => result.current.close());
    expect(result.current.subject).toBeNull();
    expect(reset).toHaveBeenCalledTimes(2);
  });
});
