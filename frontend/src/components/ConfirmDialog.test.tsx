import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { renderUi } from '../test/renderUi';
import { ConfirmDialog } from './ConfirmDialog';

function dialog(props: Partial<Parameters<typeof ConfirmDialog>[0]> = {}) {
  const onConfirm = vi.fn();
  const onClose = vi.fn();
  renderUi(
    <ConfirmDialog
      opened
      title="Delete this thing?"
      confirmLabel="Delete thing"
      danger
      loading={false}
      error={null}
      errorTitle="Could not delete the thing"
      onConfirm={onConfirm}
      onClose={onClose}
      {...props}
    >
      It is gone for good.
    </ConfirmDialog>,
  );
  return { onConfirm, onClose };
}

describe('ConfirmDialog', () => {
  it('asks first: onConfirm runs only when the confirm button is pressed', async () => {
    const user = userEvent.setup();
    const { onConfirm, onClose } = dialog();
    const modal = await screen.findByRole('dialog', { name: 'Delete this thing?' });
    expect(modal).toHaveTextContent('It is gone for good.');
    expect(onConfirm).not.toHaveBeenCalled();
    await user.click(within(modal).getByRole('button', { name: 'Delete thing' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(onClose).not.toHaveBeenCalled();
  });

  it('Cancel closes without confirming', async () => {
    const user = userEvent.setup();
    const { onConfirm, onClose } = dialog();
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('shows the failed request in place, under its title', async () => {
    dialog({ error: new ApiError(409, 'still in use') });
    const alert = within(await screen.findByRole('dialog')).getByRole('alert');
    expect(alert).toHaveTextContent('Could not delete the thing');
    expect(alert).toHaveTextContent('still in use');
  });

  it('is not shown while closed', () => {
    dialog({ opened: false });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
