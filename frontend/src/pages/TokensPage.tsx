// API tokens: create (the secret shown once), list, revoke.
import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
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
  // i18n-ignore: a shell command, the same in every language
  return `curl -H 'Authorization: Bearer ${token}' ${window.location.origin}/api/v1/status`;
}

/** The secret of a token just created, with Copy: shown this once. */
function IssuedNotice({ issued, onDismiss }: { issued: IssuedToken; onDismiss: () => void }) {
  const { t } = useTranslation(['tokens', 'common']);
  return (
    <Alert
      color="teal"
      variant="light"
      title={t('issued.title', { name: issued.name })}
      withCloseButton
      closeButtonLabel={t('issued.dismiss')}
      onClose={onDismiss}
      role="status"
    >
      <Stack gap="xs">
        <Text size="sm">{t('issued.copyNow')}</Text>
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
                {copied ? t('common:actions.copied') : t('common:actions.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

function TokenStatus({ token }: { token: Token }) {
  const { t } = useTranslation(['tokens', 'common']);
  if (token.revoked_at) {
    return (
      <Text size="sm" c="dimmed">
        {t('status.revoked', { at: formatTime(token.revoked_at) })}
      </Text>
    );
  }
  if (token.expires_at) {
    const expired = new Date(token.expires_at) < new Date();
    return (
      <Text size="sm" c={expired ? 'dimmed' : undefined}>
        {t(expired ? 'status.expired' : 'status.expires', { at: formatTime(token.expires_at) })}
      </Text>
    );
  }
  return <Text size="sm">{t('status.active')}</Text>;
}

export function TokensPage() {
  const { t } = useTranslation(['tokens', 'common']);
  useDocumentTitle(t('title'));
  const tokens = useTokens();
  const canOperate = useCanOperate();
  const isAdmin = useIsAdmin();
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const revoke = useRevokeToken();
  const revoking = useConfirm<Token>(revoke);

  const columns: Column<Token>[] = [
    { label: t('common:noun.name'), bare: false, render: (tok) => <Text size="sm" fw={600}>{tok.name}</Text> },
    ...(isAdmin ? [{ label: t('user'), w: 120, render: (tok: Token) => tok.username }] : []),
    { label: t('role'), w: 100, render: (tok) => <RoleBadge role={tok.role} /> },
    { label: t('common:noun.created'), w: 190, render: (tok) => formatTime(tok.created_at) },
    { label: t('common:noun.status'), w: 190, render: (tok) => <TokenStatus token={tok} /> },
    {
      label: t('common:noun.actions'),
      end: true,
      bare: true,
      w: 110,
      render: (tok) =>
        canOperate && !tok.revoked_at ? (
          <Button size="xs" variant="light" color="red" onClick={() => revoking.open(tok)} aria-label={t('revokeLabel', { name: tok.name })}>
            {t('revoke')}
          </Button>
        ) : null,
    },
  ];

  return (
    <Stack gap="md">
      <PageHeader title={t('title')}>
        {canOperate && (
          <Button
            onClick={() => {
              setIssued(null);
              setCreating(true);
            }}
          >
            {t('new')}
          </Button>
        )}
      </PageHeader>
      {issued && <IssuedNotice issued={issued} onDismiss={() => setIssued(null)} />}
      <TableCard
        query={tokens}
        errorTitle={t('failed')}
        columns={columns}
        rowKey={(tok) => tok.token_id}
        caption={t('title')}
        rowProps={(tok) => ({ 'data-testid': 'token-row', 'data-token-name': tok.name, 'data-revoked': String(Boolean(tok.revoked_at)) })}
        empty={t('empty')}
      />
      <Modal opened={creating} onClose={() => setCreating(false)} title={t('form.title')} centered>
        {creating && (
          <NewTokenForm
            onClose={() => setCreating(false)}
            onIssued={(token) => {
              setCreating(false);
              setIssued(token);
            }}
          />
        )}
      </Modal>
      <ConfirmDialog
        {...revoking.dialog}
        title={t('revokeTitle', { name: revoking.subject?.name ?? '' })}
        confirmLabel={t('revokeConfirm')}
        danger
        errorTitle={t('revokeFailed')}
        onConfirm={() => revoking.subject && revoke.mutate(revoking.subject.token_id, { onSuccess: revoking.close })}
      >
        <Text size="sm">{t('revokeText')}</Text>
      </ConfirmDialog>
    </Stack>
  );
}
