import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { renderUi } from '../test/renderUi';
import type { QueryLike } from './QueryState';
import type { Column } from './ResponsiveTable';
import { TableCard } from './TableCard';

interface Row {
  id: string;
  name: string;
}
const columns: Column<Row>[] = [{ label: 'Name', render: (r) => r.name }];

function query(state: Partial<QueryLike<Row[]>>): QueryLike<Row[]> {
  return { isPending: false, isError: false, error: null, data: undefined, refetch: vi.fn(), ...state };
}

function view(q: QueryLike<Row[]>) {
  return renderUi(
    <TableCard
      query={q}
      errorTitle="Could not load rows"
      columns={columns}
      rowKey={(r) => r.id}
      caption="Rows"
      rowProps={(r) => ({ 'data-testid': 'row', 'data-name': r.name })}
      empty="No rows yet."
    />,
  );
}

describe('TableCard', () => {
  it('tables the loaded rows', () => {
    view(query({ data: [{ id: '1', name: 'one' }, { id: '2', name: 'two' }] }));
    const table = screen.getByRole('table', { name: 'Rows' });
    expect(within(table).getAllByTestId('row').map((r) => r.getAttribute('data-name'))).toEqual(['one', 'two']);
  });

  it('says the empty state when the query loads no rows', () => {
    view(query({ data: [] }));
    expect(screen.getByText('No rows yet.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows a failed load with "Try again", and no table', async () => {
    const user = userEvent.setup();
    const q = query({ isError: true, error: new ApiError(503, 'database is down') });
    view(q);
    expect(screen.getByRole('alert')).toHaveTextContent('Could not load rows');
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(q.refetch).toHaveBeenCalled();
  });
});
