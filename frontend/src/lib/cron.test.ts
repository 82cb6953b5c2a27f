import { describe, expect, it } from 'vitest';
import { cronProblem } from './cron';

describe('cronProblem', () => {
  it('accepts common expressions and shorthands', () => {
    for (const ok of ['0 * * * *', '*/15 2-5 1,15 * 1-5', '@daily', '@HOURLY', '0 0 * JAN MON', '30 4 L * *']) {
      expect(cronProblem(ok), ok).toBeNull();
    }
  });

  it('names what is wrong', () => {
    expect(cronProblem('')).toMatch(/Enter a cron expression/);
    expect(cronProblem('0 * * *')).toBe('A cron expression has 5 fields (minute hour day-of-month month day-of-week); this has 4.');
    expect(cronProblem('0 25 * * *')).toBe('The hour field must be 0-23: got 25.');
    expect(cronProblem('61 * * * *')).toBe('The minute field must be 0-59: got 61.');
    expect(cronProblem('0 0 0 * *')).toBe('The day of month field must be 1-31: got 0.');
    expect(cronProblem('*/0 * * * *')).toMatch(/step must be a whole number above 0/);
    expect(cronProblem('1,,2 * * * *')).toMatch(/empty list item/);
    expect(cronProblem('@often')).toMatch(/Unknown shorthand @often/);
  });
});
