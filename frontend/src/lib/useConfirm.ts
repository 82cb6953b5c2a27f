import { useState } from 'react';

/**
 * The subject of a confirm-before-acting dialog (null: closed) for the mutation it
 * confirms. Opening and closing reset the mutation, so an earlier attempt's error is not
 * shown again.
 */
export function useConfirm<T>(mutation: { reset: () => void }) {
  const [subject, setSubject] = useState<T | null>(null);
  return {
    subject,
    open: (s: T) => {
      mutation.reset();
      setSubject(s);
    },
    close: () => {
      setSubject(null);
      mutation.reset();
    },
  };
}
