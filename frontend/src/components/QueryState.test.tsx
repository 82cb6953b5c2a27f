import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { renderUi } from '../test/renderUi';
import { QueryState, type QueryLike } from './QueryState';

function query(state: Partial<QueryLike<string[]>>): QueryLike<string[]> {
  return { isPending: false, isError: false, error: null, data: undefined, refetch: vi.fn(), ...state };
}

function view(q: QueryLike<string[]>, retry?: boolean) {
  return renderUi(
    <QueryState query={q} errorTitle="Could not load things" retry={retry}>
      {(things) => <p data-testid="things">{things.length} things</p>}
    </QueryState>,
  );
}

describe('QueryState', () => {
  it('shows only a placeholder while loading', () => {
    const { container } = view(query({ isPending: true }));
    expect(container.querySelector('.mantine-Skeleton-root')).not.toBeNull();
    expect(screen.queryByTestId('things')).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('renders the data', () => {
    const { container } = view(query({ data: ['a', 'b'] }));
    expect(screen.getByTestId('things')).toHaveTextContent('2 things');
    expect(container.querySelector('.mantine-Skeleton-root')).toBeNull();
  });

  it('shows the error under its title, and "Try again" refetches', async () => {
    const user = userEvent.setup();
    const q = query({ isError: true, error: new ApiError(500, 'database is down') });
    view(q);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Could not load things');
    expect(alert).toHaveTextContent('database is down');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(q.refetch).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('things')).not.toBeInTheDocument();
  });

  it('offers no retry when told not to', () => {
    view(query({ isError: true, error: new Error('nope') }), false);
    expect(screen.getByRole('alert')).toHaveTextContent('nope');
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
  });
});
