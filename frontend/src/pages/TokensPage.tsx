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

import { t as translate } from '../i18n';

/** A copy-paste request with `token` against this server (the fleet status). */
export function curlExample(token: string): string {
  return `curl -H 'Authorization: Bearer ${token}' ${window.location.origin}/api/v1/status`;
}

/** The secret of a token just created, with Copy: shown this once. */
function IssuedNotice({ issued, onDismiss }: { issued: IssuedToken; onDismiss: () => void }) {
  return (
    <Alert
      color="teal"
      variant="light"
      title={translate('tokens:issued.title', { name: issued.name })}
      withCloseButton
      closeButtonLabel={translate('notifications:key.dismiss')}
      onClose={onDismiss}
      role="status"
    >
      <Stack gap="xs">
        <Text size="sm">{translate('tokens:issued.copyNow')}</Text>
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
                {copied ? translate('common:actions.copied') : translate('common:actions.copy')}
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
        {translate('tokens:status.revoked', { at: formatTime(t.revoked_at) })}
      </Text>
    );
  }
  if (t.expires_at) {
    const expired = new Date(t.expires_at) < new Date();
    return (
      <Text size="sm" c={expired ? 'dimmed' : undefined}>
        {translate(expired ? 'tokens:status.expired' : 'tokens:status.expires', { at: formatTime(t.expires_at) })}
      </Text>
    );
  }
  return <Text size="sm">{translate('tokens:status.active')}</Text>;
}

export function TokensPage() {
  useDocumentTitle(translate('layout:nav.tokens'));
  const tokens = useTokens();
  const canOperate = useCanOperate();
  const isAdmin = useIsAdmin();
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const revoke = useRevokeToken();
  const revoking = useConfirm<Token>(revoke);

  const columns: Column<Token>[] = [
    { label: translate('common:noun.name'), bare: false, render: (t) => <Text size="sm" fw={600}>{t.name}</Text> },
    ...(isAdmin ? [{ label: translate('users:user'), w: 120, render: (t: Token) => t.username }] : []),
    { label: translate('servers:list.role'), w: 100, render: (t) => <RoleBadge role={t.role} /> },
    { label: translate('common:noun.created'), w: 190, render: (t) => formatTime(t.created_at) },
    { label: translate('common:noun.status'), w: 190, render: (t) => <TokenStatus t={t} /> },
    {
      label: translate('common:noun.actions'),
      end: true,
      bare: true,
      w: 110,
      render: (t) =>
        canOperate && !t.revoked_at ? (
          <Button size="xs" variant="light" color="red" onClick={() => revoking.open(t)} aria-label={translate('tokens:revokeLabel', { name: t.name })}>
            {translate('tokens:revoke')}
          </Button>
        ) : null,
    },
  ];

  return (
    <Stack gap="md">
      <PageHeader title={translate('layout:nav.tokens')}>
        {canOperate && (
          <Button
            onClick={() => {
              setIssued(null);
              setCreating(true);
            }}
          >
            {translate('tokens:new')}
          </Button>
        )}
      </PageHeader>
      {issued && <IssuedNotice issued={issued} onDismiss={() => setIssued(null)} />}
      <TableCard
        query={tokens}
        errorTitle={translate('tokens:failed')}
        columns={columns}
        rowKey={(t) => t.token_id}
        caption={translate('layout:nav.tokens')}
        rowProps={(t) => ({ 'data-testid': 'token-row', 'data-token-name': t.name, 'data-revoked': String(Boolean(t.revoked_at)) })}
        empty={translate('tokens:empty')}
      />
      <Modal opened={creating} onClose={() => setCreating(false)} title={translate('tokens:form.title')} centered>
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
        title={translate('tokens:revokeTitle', { name: revoking.subject?.name ?? '' })}
        confirmLabel={translate('tokens:revokeConfirm')}
        danger
        errorTitle={translate('tokens:revokeFailed')}
        onConfirm={() => revoking.subject && revoke.mutate(revoking.subject.token_id, { onSuccess: revoking.close })}
      >
        <Text size="sm">{translate('tokens:revokeText')}</Text>
      </ConfirmDialog>
    </Stack>
  );
}
