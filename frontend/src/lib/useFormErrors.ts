// A form's errors per input: its own checks (shown once the user has tried to submit) and
// the server's problem when it names the input's field (see fieldError).
import { useState } from 'react';
import { fieldError } from './fieldError';

/**
 * `checks` maps a field to its local check's message (null/undefined: fine), computed on
 * every render. `error(field, ...also)` is the message for that field's input: the check's
 * after the first submit attempt, else the server's problem about `field` or any of `also`.
 * `submit()` starts showing the checks and says whether they all pass.
 */
export function useFormErrors(checks: Record<string, string | null | undefined>, serverError: unknown) {
  const [touched, setTouched] = useState(false);
  return {
    touched,
    error: (field: string, ...also: string[]): string | null =>
      (touched ? checks[field] : null) || fieldError(serverError, field, ...also),
    submit: (): boolean => {
      setTouched(true);
      return Object.values(checks).every((message) => !message);
    },
  };
}
