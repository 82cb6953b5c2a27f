import { describe, expect, it } from 'vitest';
import { passwordProblem, validateInstanceName } from './validation';

describe('validateInstanceName (mirrors the server rule)', () => {
  it('accepts 1 to 64 characters after trimming', () => {
    expect(validateInstanceName('a')).toBeNull();
    expect(validateInstanceName('  lab  ')).toBeNull();
    expect(validateInstanceName('x'.repeat(64))).toBeNull();
    expect(validateInstanceName('é'.repeat(64))).toBeNull();
  });

  it('rejects empty and blank names', () => {
    expect(validateInstanceName('')).toMatch(/enter a name/i);
    expect(validateInstanceName('   ')).toMatch(/enter a name/i);
  });

  it('rejects more than 64 characters, counting code points like the server', () => {
    expect(validateInstanceName('x'.repeat(65))).toMatch(/at most 64.*65/);
    expect(validateInstanceName('🙂'.repeat(64))).toBeNull();
    expect(validateInstanceName('🙂'.repeat(65))).toMatch(/at most 64/);
  });

  it('rejects control characters', () => {
    expect(validateInstanceName('a\u0007b')).toMatch(/control/);
    expect(validateInstanceName('a\nb')).toMatch(/control/);
  });
});

describe('passwordProblem', () => {
  it('mirrors the server rules it can check', () => {
    expect(passwordProblem('eleven char')).toBe('At least 12 characters.');
    expect(passwordProblem('twelve chars')).toBeNull();
    expect(passwordProblem('twelve\tchars!')).toBe('No control characters.');
    expect(passwordProblem('\u{1F600}'.repeat(257))).toBe('At most 1024 bytes.');
  });
});
