// Roles as the Users and API tokens pages show and offer them.
import { Badge } from '@mantine/core';
import type { Role } from '../../api/client';
import { t as translate } from '../../i18n';

const ROLE_VALUES: Role[] = ['viewer', 'operator', 'admin'];

/** Each role with what it may do, in the dashboard's language (for role pickers). */
export function roles(): { value: Role; label: string }[] {
  return ROLE_VALUES.map((value) => ({ value, label: translate(`users:roleOption.${value}`) }));
}

/** A role's short name, in the dashboard's language (the account menu's words for it). */
export const roleName = (role: Role): string => translate(`layout:account.role.${role}`);

/** Higher may do more: a token gets at most its user's role. */
export const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function RoleBadge({ role }: { role: Role }) {
  const color = role === 'admin' ? 'red' : role === 'operator' ? 'blue' : 'gray';
  return (
    <Badge variant="light" color={color} radius="sm" tt="none">
      {roleName(role)}
    </Badge>
  );
}
