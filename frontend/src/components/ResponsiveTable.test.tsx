import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderUi } from '../test/renderUi';
import { ResponsiveTable, type Column } from './ResponsiveTable';

interface Row {
  id: string;
  name: string;
  size: number;
}
const rows: Row[] = [
  { id: 'a', name: 'alpha', size: 1 },
  { id: 'b', name: 'beta', size: 2 },
];
const columns: Column<Row>[] = [
  { label: 'Name', bare: true, render: (r) => r.name },
  { label: 'Size', render: (r) => String(r.size) },
];

const matchMedia = window.matchMedia;
afterEach(() => {
  window.matchMedia = matchMedia;
});

describe('ResponsiveTable', () => {
  it('renders a captioned table with a header per column and the row props', () => {
    renderUi(
      <ResponsiveTable rows={rows} columns={columns} rowKey={(r) => r.id} caption="Things" rowProps={(r) => ({ 'data-testid': 'thing', 'data-name': r.name })} />,
    );
    const table = screen.getByRole('table', { name: 'Things' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Name', 'Size']);
    const body = screen.getAllByTestId('thing');
    expect(body.map((r) => r.getAttribute('data-name'))).toEqual(['alpha', 'beta']);
    expect(within(body[1]!).getAllByRole('cell').map((c) => c.textContent)).toEqual(['beta', '2']);
  });

  it('says `empty` instead of the table when there are no rows', () => {
    renderUi(<ResponsiveTable rows={[]} columns={columns} rowKey={(r) => r.id} caption="Things" empty="Nothing here yet." />);
    expect(screen.getByText('Nothing here yet.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('without `empty` shows the table even with no rows', () => {
    renderUi(<ResponsiveTable rows={[]} columns={columns} rowKey={(r) => r.id} caption="Things" />);
    expect(screen.getByRole('table', { name: 'Things' })).toBeInTheDocument();
  });

  it('on phones lists the rows as cards, each value under its label (bare ones without)', () => {
    window.matchMedia = ((query: string) => ({ ...matchMedia(query), matches: true })) as typeof window.matchMedia;
    renderUi(<ResponsiveTable rows={rows} columns={columns} rowKey={(r) => r.id} caption="Things" />);
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    const items = within(screen.getByRole('list', { name: 'Things' })).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('alphaSize1');
    expect(within(items[0]!).queryByText('Name')).not.toBeInTheDocument();
  });
});
