import { describe, expect, it } from 'vitest';
import { validateInstanceName } from './validation';

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
