import { useState } from 'react';

/**
 * The subject of a confirm-before-acting dialog (null: closed) for the mutation it
 * confirms. Opening and closing reset the mutation, so an earlier attempt's error is not
 * shown again. `dialog` holds ConfirmDialog's open/close/busy/error props:
 * `<ConfirmDialog {...deleting.dialog} title=… onConfirm=…>`.
 */
export function useConfirm<T>(mutation: { reset: () => void; isPending: boolean; error: unknown }) {
  const [subject, setSubject] = useState<T | null>(null);
  const close = () => {
    setSubject(null);
    mutation.reset();
  };
  return {
    subject,
    open: (s: T) => {
      mutation.reset();
      setSubject(s);
    },
    close,
    dialog: { opened: subject !== null, onClose: close, loading: mutation.isPending, error: mutation.error },
  };
}
