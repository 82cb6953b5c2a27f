import { describe, expect, it } from 'vitest';
import { perDay } from './growth';

const at = (hours: number, v: number | null) => ({ sampled_at: new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000).toISOString(), v });

describe('perDay', () => {
  it('is the change between the oldest and newest known figure, per day', () => {
    expect(perDay([at(0, 100), at(12, 999), at(48, 300)], (s) => s.v)).toBe(100);
    // order does not matter
    expect(perDay([at(48, 300), at(0, 100)], (s) => s.v)).toBe(100);
    expect(perDay([at(0, 300), at(24, 100)], (s) => s.v)).toBe(-200);
  });

  it('skips samples without the figure', () => {
    expect(perDay([at(0, null), at(1, 100), at(25, 200), at(30, null)], (s) => s.v)).toBe(100);
  });

  it('says nothing from one sample or less than an hour of history', () => {
    expect(perDay([], (s: { sampled_at: string; v: number }) => s.v)).toBeNull();
    expect(perDay([at(0, 1)], (s) => s.v)).toBeNull();
    expect(perDay([at(0, 1), at(0.5, 5)], (s) => s.v)).toBeNull();
    expect(perDay([at(0, null), at(30, null)], (s) => s.v)).toBeNull();
  });
});
