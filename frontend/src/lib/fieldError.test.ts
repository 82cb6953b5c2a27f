import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/problem';
import { fieldError, isFieldError } from './fieldError';

const err = (detail: string, field?: string, status = 400) =>
  new ApiError(status, detail, { type: '/problems/validation', title: 'Bad Request', status, detail, ...(field ? { field } : {}) });

describe('fieldError', () => {
  it('uses the problem\'s field member, not the wording of its detail', () => {
    // The detail does not start with the field's name: only `field` says whose it is.
    const e = err('must not contain control characters', 'new_password');
    expect(fieldError(e, 'new_password')).toBe('must not contain control characters');
    expect(fieldError(e, 'password')).toBeNull();
    // A detail that happens to start with another field's name is not that field's.
    const f = err('password: too common', 'new_password');
    expect(fieldError(f, 'password')).toBeNull();
    expect(isFieldError(f, ['current_password', 'new_password'])).toBe(true);
  });

  it('falls back to the leading field name for problems without one', () => {
    expect(fieldError(err('name: too long'), 'name')).toBe('name: too long');
    expect(fieldError(err('port 70000 is not in 1-65535'), 'port')).toBe('port 70000 is not in 1-65535');
    expect(fieldError(err('something else'), 'name')).toBeNull();
  });

  it('ignores server errors and non-API errors', () => {
    expect(fieldError(err('password: x', 'password', 500), 'password')).toBeNull();
    expect(fieldError(new Error('password: x'), 'password')).toBeNull();
  });
});
