import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useConfirm } from './useConfirm';

describe('useConfirm', () => {
  it('holds the subject while open and resets the mutation on opening and closing', () => {
    const reset = vi.fn();
    const { result } = renderHook(() => useConfirm<{ id: string }>({ reset, isPending: false, error: null }));
    expect(result.current.subject).toBeNull();
    expect(result.current.dialog.opened).toBe(false);

    act(() => result.current.open({ id: 'a' }));
    expect(result.current.subject).toEqual({ id: 'a' });
    expect(result.current.dialog.opened).toBe(true);
    expect(reset).toHaveBeenCalledTimes(1);

    act(() => result.current.dialog.onClose());
    expect(result.current.subject).toBeNull();
    expect(result.current.dialog.opened).toBe(false);
    expect(reset).toHaveBeenCalledTimes(2);
  });

  it("passes the mutation's progress and error to the dialog", () => {
    const error = new Error('refused');
    const { result } = renderHook(() => useConfirm<string>({ reset: () => {}, isPending: true, error }));
    expect(result.current.dialog).toMatchObject({ loading: true, error });
  });
});
