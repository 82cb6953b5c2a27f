import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice';

/** What MutationNotice reads of a TanStack mutation result. */
export interface MutationLike<T> {
  isError: boolean;
  error: unknown;
  isSuccess: boolean;
  data: T | undefined;
  reset: () => void;
}

/**
 * The outcome of an action started from a page (not a form): its error, or a closable
 * success notice saying `success(data)`; closing it resets the mutation.
 */
export function MutationNotice<T>({
  mutation,
  errorTitle,
  successTitle,
  success,
}: {
  mutation: MutationLike<T>;
  errorTitle: string;
  successTitle?: string;
  success: (data: T) => ReactNode;
}) {
  if (mutation.isError) return <ErrorNotice title={errorTitle} error={mutation.error} />;
  if (!mutation.isSuccess || mutation.data === undefined) return null;
  return (
    <Alert color="teal" variant="light" role="status" title={successTitle} withCloseButton onClose={() => mutation.reset()}>
      {success(mutation.data)}
    </Alert>
  );
}
