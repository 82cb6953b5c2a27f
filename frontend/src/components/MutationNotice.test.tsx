import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { renderUi } from '../test/renderUi';
import { MutationNotice, type MutationLike } from './MutationNotice';

function mutation(state: Partial<MutationLike<{ name: string }>>): MutationLike<{ name: string }> {
  return { isError: false, error: null, isSuccess: false, data: undefined, reset: vi.fn(), ...state };
}

function view(m: MutationLike<{ name: string }>) {
  return renderUi(
    <MutationNotice mutation={m} errorTitle="Could not create it" successTitle="Created" success={(d) => `Created ${d.name}.`} />,
  );
}

describe('MutationNotice', () => {
  it('says nothing before the action ran', () => {
    view(mutation({}));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it('shows the failure under its title', () => {
    view(mutation({ isError: true, error: new ApiError(409, 'already exists') }));
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Could not create it');
    expect(alert).toHaveTextContent('already exists');
  });

  it('shows the success as a status; closing it resets the mutation', async () => {
    const user = userEvent.setup();
    const m = mutation({ isSuccess: true, data: { name: 'snap-1' } });
    view(m);
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Created');
    expect(status).toHaveTextContent('Created snap-1.');
    await user.click(status.querySelector('button')!);
    expect(m.reset).toHaveBeenCalledTimes(1);
  });
});
