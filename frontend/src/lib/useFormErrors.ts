// A form's errors per input: its own checks (shown once the user has tried to submit) and
// the server's problem when it names the input's field (see fieldError).
import { useState } from 'react';
import { fieldError } from './fieldError';

/**
 * `checks` maps a field to its local check's message (null/undefined: fine), computed on
 * every render. `error(field, ...also)` is the message for that field's input: the check's
 * once `check` was called, else the server's problem about `field` or any of `also` (pass
 * `serverError` null where the form shows the server's problems elsewhere).
 * `check(...fields)` (on submit) starts showing the checks and says whether those of
 * `fields` (default: all) pass.
 */
export function useFormErrors(checks: Record<string, string | null | undefined>, serverError: unknown) {
  const [touched, setTouched] = useState(false);
  return {
    touched,
    error: (field: string, ...also: string[]): string | null =>
      (touched ? checks[field] : null) || fieldError(serverError, field, ...also),
    check: (...fields: string[]): boolean => {
      setTouched(true);
      return (fields.length > 0 ? fields : Object.keys(checks)).every((field) => !checks[field]);
    },
  };
}
