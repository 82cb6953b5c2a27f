import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { renderUi } from '../test/renderUi';
import { FormActions, FormError } from './FormActions';

const problem = (detail: string, field?: string) =>
  new ApiError(422, detail, { type: '/problems/validation', title: 'Unprocessable', status: 422, detail, ...(field ? { field } : {}) });

describe('FormError', () => {
  it('shows a problem no input shows, under its title', () => {
    renderUi(<FormError error={problem('the server is busy')} fields={['name']} title="Could not save" />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Could not save');
    expect(alert).toHaveTextContent('the server is busy');
  });

  it('says nothing when the problem is about one of the form fields', () => {
    renderUi(<FormError error={problem('taken', 'name')} fields={['name', 'role']} title="Could not save" />);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says nothing without an error', () => {
    renderUi(<FormError error={null} title="Could not save" />);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});

describe('FormActions', () => {
  it('submits the form with the submit button; Cancel only cancels', async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn((e: { preventDefault: () => void }) => e.preventDefault());
    const onCancel = vi.fn();
    renderUi(
      <form onSubmit={onSubmit}>
        <FormActions submitLabel="Create user" pending={false} onCancel={onCancel} />
      </form>,
    );
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(onSubmit).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Create user' }));
    expect(onSubmit).toHaveBeenCalledTimes(1);
  });

  it('shows the submit button as busy while the request runs', () => {
    renderUi(<FormActions submitLabel="Save" pending onCancel={() => {}} />);
    expect(screen.getByRole('button', { name: 'Save' })).toHaveAttribute('data-loading', 'true');
  });

  it('can keep the submit button off', () => {
    renderUi(<FormActions submitLabel="Add server" pending={false} disabled onCancel={() => {}} />);
    expect(screen.getByRole('button', { name: 'Add server' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeEnabled();
  });
});
