// API tokens: create (the secret shown once), list, revoke.
import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { type IssuedToken, type Token, useIsAdmin, useRevokeToken, useTokens } from '../api/accountQueries';
import { useCanOperate } from '../api/queries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageHeader } from '../components/PageHeader';
import type { Column } from '../components/ResponsiveTable';
import { TableCard } from '../components/TableCard';
import { formatTime } from '../lib/format';
import { useConfirm } from '../lib/useConfirm';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { NewTokenForm } from './users/NewTokenForm';
import { RoleBadge } from './users/roles';

/** A copy-paste request with `token` against this server (the fleet status). */
export function curlExample(token: string): string {
  return `curl -H 'Authorization: Bearer ${token}' ${window.location.origin}/api/v1/status`;
}

/** The secret of a token just created, with Copy: shown this once. */
function IssuedNotice({ issued, onDismiss }: { issued: IssuedToken; onDismiss: () => void }) {
  return (
    <Alert color="teal" variant="light" title={`Token “${issued.name}” created`} withCloseButton closeButtonLabel="Dismiss" onClose={onDismiss} role="status">
      <Stack gap="xs">
        <Text size="sm">Copy it now: it is shown this once and cannot be shown again. Send it as “Authorization: Bearer …”, for example:</Text>
        <Code block data-testid="token-curl" style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
          {curlExample(issued.token)}
        </Code>
        <Group gap="xs" wrap="nowrap" align="center">
          <Code data-testid="issued-token" style={{ overflowWrap: 'anywhere', flex: 1 }}>
            {issued.token}
          </Code>
          <CopyButton value={issued.token}>
            {({ copied, copy }) => (
              <Button size="xs" variant={copied ? 'filled' : 'default'} color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

function TokenStatus({ t }: { t: Token }) {
  if (t.revoked_at) {
    return (
      <Text size="sm" c="dimmed">
        revoked {formatTime(t.revoked_at)}
      </Text>
    );
  }
  if (t.expires_at) {
    const expired = new Date(t.expires_at) < new Date();
    return (
      <Text size="sm" c={expired ? 'dimmed' : undefined}>
        {expired ? 'expired' : 'expires'} {formatTime(t.expires_at)}
      </Text>
    );
  }
  return <Text size="sm">active, no expiry</Text>;
}

export function TokensPage() {
  useDocumentTitle('API tokens');
  const tokens = useTokens();
  const canOperate = useCanOperate();
  const isAdmin = useIsAdmin();
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const revoke = useRevokeToken();
  const revoking = useConfirm<Token>(revoke);

  const columns: Column<Token>[] = [
    { label: 'Name', bare: false, render: (t) => <Text size="sm" fw={600}>{t.name}</Text> },
    ...(isAdmin ? [{ label: 'User', w: 120, render: (t: Token) => t.username }] : []),
    { label: 'Role', w: 100, render: (t) => <RoleBadge role={t.role} /> },
    { label: 'Created', w: 190, render: (t) => formatTime(t.created_at) },
    { label: 'Status', w: 190, render: (t) => <TokenStatus t={t} /> },
    {
      label: 'Actions',
      end: true,
      bare: true,
      w: 110,
      render: (t) =>
        canOperate && !t.revoked_at ? (
          <Button size="xs" variant="light" color="red" onClick={() => revoking.open(t)} aria-label={`Revoke ${t.name}`}>
            Revoke
          </Button>
        ) : null,
    },
  ];

  return (
    <Stack gap="md">
      <PageHeader title="API tokens">
        {canOperate && (
          <Button
            onClick={() => {
              setIssued(null);
              setCreating(true);
            }}
          >
            New token
          </Button>
        )}
      </PageHeader>
      {issued && <IssuedNotice issued={issued} onDismiss={() => setIssued(null)} />}
      <TableCard
        query={tokens}
        errorTitle="Could not load tokens"
        columns={columns}
        rowKey={(t) => t.token_id}
        caption="API tokens"
        rowProps={(t) => ({ 'data-testid': 'token-row', 'data-token-name': t.name, 'data-revoked': String(Boolean(t.revoked_at)) })}
        empty="No tokens. Tokens let scripts and monitoring use the API."
      />
      <Modal opened={creating} onClose={() => setCreating(false)} title="New API token" centered>
        {creating && (
          <NewTokenForm
            onClose={() => setCreating(false)}
            onIssued={(t) => {
              setCreating(false);
              setIssued(t);
            }}
          />
        )}
      </Modal>
      <ConfirmDialog
        {...revoking.dialog}
        title={`Revoke ${revoking.subject?.name ?? ''}?`}
        confirmLabel="Revoke token"
        danger
        errorTitle="Could not revoke the token"
        onConfirm={() => revoking.subject && revoke.mutate(revoking.subject.token_id, { onSuccess: revoking.close })}
      >
        <Text size="sm">It stops working at once. This cannot be undone.</Text>
      </ConfirmDialog>
    </Stack>
  );
}
