// Choosing a subvolume's pre and post hook among the executables its server offers, and
// their timeout (admins).
import { NumberInput, Select, Stack, Text } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import type { ServerHooks, Subvolume } from '../../api/client';
import { useServerHooks, useSetSnapshotHooks } from '../../api/queries';
import { FormActions, FormError } from '../../components/FormActions';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { useFormErrors } from '../../lib/useFormErrors';
import { Trans, useTranslation } from 'react-i18next';

const MIN_TIMEOUT = 1;
const MAX_TIMEOUT = 900;
const FIELDS = ['pre', 'post', 'timeout_secs'];

function Form({ subvolume, offered, onDone }: { subvolume: Subvolume; offered: ServerHooks; onDone: () => void }) {
  const { t } = useTranslation(['subvolumes', 'common']);
  const { hooks } = subvolume;
  const [chosen, setChosen] = useState<{ pre: string | null; post: string | null }>({ pre: hooks.pre ?? null, post: hooks.post ?? null });
  const [timeout, setTimeoutSecs] = useState<number | string>(hooks.timeout_secs);
  const save = useSetSnapshotHooks(subvolume.id);
  const form = useFormErrors(
    {
      timeout_secs:
        typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= MIN_TIMEOUT && timeout <= MAX_TIMEOUT
          ? null
          : t('hooks.timeoutRule', { min: MIN_TIMEOUT, max: MAX_TIMEOUT }),
    },
    save.error,
  );
  // what the server offers, plus a current hook it no longer offers (saving that is refused)
  const data = offered.items.map((h) => ({ value: h.name, label: h.symlink ? t('hooks.symlink', { name: h.name }) : h.name }));
  for (const name of [hooks.pre, hooks.post]) {
    if (name && !data.some((d) => d.value === name)) data.push({ value: name, label: t('hooks.missing', { name }) });
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    save.mutate({ ...chosen, timeout_secs: Number(timeout) }, { onSuccess: onDone });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('hooks.title')}>
      <Stack gap="sm">
        {offered.items.length === 0 ? (
          <Text size="sm" data-testid="no-hooks-offered">
            <Trans t={t} i18nKey="hooks.noneOffered" values={{ directory: offered.directory }} components={{ mono: <Mono>{null}</Mono> }} />
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            <Trans t={t} i18nKey="hooks.offeredFrom" values={{ directory: offered.directory }} components={{ mono: <Mono>{null}</Mono> }} />
          </Text>
        )}
        {(['pre', 'post'] as const).map((which) => (
          <Select
            key={which}
            label={t(`hooks.${which}`)}
            description={t(`hooks.${which}Help`)}
            placeholder={t('common:state.none')}
            data={data}
            value={chosen[which]}
            onChange={(name) => setChosen((c) => ({ ...c, [which]: name }))}
            clearable
            error={form.error(which)}
          />
        ))}
        <NumberInput
          label={t('hooks.timeoutLabel')}
          description={t('hooks.timeoutHelp', { min: MIN_TIMEOUT, max: MAX_TIMEOUT })}
          min={MIN_TIMEOUT}
          max={MAX_TIMEOUT}
          allowDecimal={false}
          allowNegative={false}
          value={timeout}
          onChange={setTimeoutSecs}
          error={form.error('timeout_secs')}
        />
        <FormError error={save.error} fields={FIELDS} title={t('hooks.saveFailed')} />
        <FormActions submitLabel={t('common:actions.save')} pending={save.isPending} onCancel={onDone} />
      </Stack>
    </form>
  );
}

/** The form once the server's hooks are listed (their listing's failure in its place). */
export function HooksForm({ subvolume, onDone }: { subvolume: Subvolume; onDone: () => void }) {
  const { t } = useTranslation('subvolumes');
  const offered = useServerHooks(subvolume.server_id);
  return (
    <QueryState query={offered} errorTitle={t('hooks.loadFailed')} skeleton={180}>
      {(o) => <Form subvolume={subvolume} offered={o} onDone={onDone} />}
    </QueryState>
  );
}
