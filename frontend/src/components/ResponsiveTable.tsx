import { Paper, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { ReactNode } from 'react';

export interface Column<T> {
  /** Column header, also the label in front of the value on phones. */
  label: string;
  render: (row: T) => ReactNode;
  w?: number | string;
  /** Right-aligned (actions). */
  end?: boolean;
  /** On phones: shown without its label (e.g. the title line or the actions). */
  bare?: boolean;
}

export interface ResponsiveTableProps<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  caption: string;
  rowProps?: (row: T) => Record<string, string | undefined>;
  minWidth?: number;
  empty?: ReactNode;
}

/**
 * Rows as a table on wide screens and as a stacked list of cards on phones (below Mantine's
 * `sm`, like the Events page). `caption` names the table/list for assistive technology.
 * `empty` is said (dimmed) instead when there are no rows; without it an empty table shows.
 */
export function ResponsiveTable<T>({
  rows,
  columns,
  rowKey,
  caption,
  rowProps,
  minWidth = 640,
  empty,
}: ResponsiveTableProps<T>) {
  const narrow = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  if (empty !== undefined && rows.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {empty}
      </Text>
    );
  }
  if (narrow) {
    return (
      <Stack gap="xs" component="ul" aria-label={caption} p={0} m={0} style={{ listStyle: 'none' }}>
        {rows.map((row) => (
          <Paper key={rowKey(row)} component="li" withBorder p="sm" radius="sm" {...rowProps?.(row)}>
            <Stack gap={6}>
              {columns.map((column) => {
                const value = column.render(row);
                if (value === null || value === undefined || value === '') return null;
                return column.bare ? (
                  <div key={column.label}>{value}</div>
                ) : (
                  <div key={column.label} style={{ minWidth: 0 }}>
                    <Text size="xs" c="dimmed" component="div">
                      {column.label}
                    </Text>
                    <div style={{ overflowWrap: 'anywhere', fontSize: 'var(--mantine-font-size-sm)' }}>{value}</div>
                  </div>
                );
              })}
            </Stack>
          </Paper>
        ))}
      </Stack>
    );
  }
  return (
    <Table.ScrollContainer minWidth={minWidth} type="native">
      <Table striped highlightOnHover verticalSpacing="xs" aria-label={caption}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((column) => (
              <Table.Th key={column.label} w={column.w} ta={column.end ? 'right' : undefined}>
                {column.label}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((column) => (
                <Table.Td
                  key={column.label}
                  ta={column.end ? 'right' : undefined}
                  style={{ overflowWrap: 'anywhere', fontSize: 'var(--mantine-font-size-sm)' }}
                >
                  {column.render(row)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
