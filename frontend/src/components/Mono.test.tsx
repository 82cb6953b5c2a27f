import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderUi } from '../test/renderUi';
import { Mono } from './Mono';

describe('Mono', () => {
  it('sets a path inline in monospace, wrapping anywhere', () => {
    renderUi(
      <p>
        at <Mono>/mnt/pool/data</Mono>
      </p>,
    );
    const path = screen.getByText('/mnt/pool/data');
    expect(path.tagName).toBe('SPAN');
    expect(path).toHaveStyle({ overflowWrap: 'anywhere' });
    expect(path.style.fontFamily).toContain('monospace');
  });
});
