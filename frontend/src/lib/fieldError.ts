// Field errors from problem bodies: the API names the request field a 4xx is about in the
// problem's `field` member ("password", "retention.daily", ...). Problems without one are
// matched by the field name leading their `detail` ("name: ...", "port: 70000 is not in
// 1-65535").
import { ApiError } from '../api/problem';

/** The problem detail when it is about `field` (or one of `fields`), else null. */
export function fieldError(error: unknown, ...fields: string[]): string | null {
  if (!(error instanceof ApiError) || error.status < 400 || error.status >= 500) return null;
  const detail = error.problem?.detail;
  if (!detail) return null;
  const named = error.problem?.field;
  if (named) return fields.includes(named) ? detail : null;
  return fields.some((f) => detail.startsWith(`${f}:`) || detail.startsWith(`${f} `)) ? detail : null;
}

/** Whether the error is shown next to one of `fields` (so the form need not repeat it). */
export function isFieldError(error: unknown, fields: string[]): boolean {
  return fieldError(error, ...fields) !== null;
}
