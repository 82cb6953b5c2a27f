// Roles as the Users and API tokens pages show and offer them.
import { Badge } from '@mantine/core';
import type { Role } from '../../api/client';

export const ROLES: { value: Role; label: string }[] = [
  { value: 'viewer', label: 'Viewer (reads)' },
  { value: 'operator', label: 'Operator (snapshots, policies)' },
  { value: 'admin', label: 'Admin (servers, users)' },
];

/** Higher may do more: a token gets at most its user's role. */
export const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function RoleBadge({ role }: { role: Role }) {
  const color = role === 'admin' ? 'red' : role === 'operator' ? 'blue' : 'gray';
  return (
    <Badge variant="light" color={color} radius="sm" tt="none">
      {role}
    </Badge>
  );
}
