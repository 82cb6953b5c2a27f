import { describe, expect, it } from 'vitest';
import { percent, usageColor } from './bytes';

describe('usageColor', () => {
  it('is teal below 85 %, yellow from 85 % (the fleet status default), red from 95 %', () => {
    expect(usageColor(0)).toBe('teal');
    expect(usageColor(74.9)).toBe('teal');
    expect(usageColor(84.99)).toBe('teal');
    expect(usageColor(85)).toBe('yellow');
    expect(usageColor(90)).toBe('yellow');
    expect(usageColor(94.99)).toBe('yellow');
    expect(usageColor(95)).toBe('red');
    expect(usageColor(100)).toBe('red');
  });

  it('agrees with percent() at the edges', () => {
    expect(usageColor(percent(85, 100))).toBe('yellow');
    expect(usageColor(percent(0, 0))).toBe('teal');
    expect(usageColor(percent(200, 100))).toBe('red');
  });
});
