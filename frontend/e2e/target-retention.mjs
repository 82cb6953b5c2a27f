// The target retention check of the browser test, on the replication check's target
// (one replica there): a second snapshot is replicated through the API, a policy that
// prunes nothing on the targets is assigned, and then in the dashboard the policy editor
// turns on retention for the targets (keep the newest one), previews it on the target
// (one kept, one deleted) and saves; the target's page then names that retention and
// says per replica what the next prune does (the older one deleted, the newer kept as
// the base). The policy is unassigned and deleted at the end.
import { assert, base, eventually, textOf } from './support.mjs';

async function replicated(api, page, snapshotId) {
  const run = await api(page, 'POST', '/replications', { snapshot_id: snapshotId });
  await eventually(async () => (await api(page, 'GET', `/replications/${run.id}`)).state === 'succeeded',
    'the second replication did not succeed', 120_000);
}

export async function targetRetentionCheck(page, { api, repl, subvolumeId, extraSnapshots, suffix }) {
  assert(repl.targetId, 'no target from the replication check');
  const second = await api(page, 'POST', `/subvolumes/${subvolumeId}/snapshots`);
  extraSnapshots.push(second);
  await replicated(api, page, second.id);
  const policy = await api(page, 'POST', '/policies', {
    name: `e2e-targets-${suffix}`,
    schedule: { cron: '0 3 * * *', time_zone: 'UTC' },
    retention: { keep_last: 10 },
  });
  await api(page, 'POST', `/subvolumes/${subvolumeId}/policy`, { policy_id: policy.id });
  try {
    await page.goto(`${base}/replication/targets/${repl.targetId}`);
    await page.getByTestId('target-retention').filter({ hasText: 'replicas on this target are never pruned' }).waitFor();

    await page.goto(`${base}/policies/${policy.id}`);
    const form = page.getByRole('form', { name: 'Policy' });
    await form.getByRole('switch', { name: /Prune replicas on the targets/ }).check({ force: true });
    const onTargets = form.getByRole('group', { name: 'Retention on the targets' });
    for (const [label, value] of [['Keep last', '1'], ['Hourly', '0'], ['Daily', '0'], ['Weekly', '0'], ['Monthly', '0']]) {
      await onTargets.getByRole('textbox', { name: new RegExp(`^${label}`) }).fill(value);
    }
    await page.getByRole('textbox', { name: 'Where' }).click();
    await page.getByRole('option', { name: new RegExp(`^Target .*${repl.dir}$`) }).click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const chart = page.getByTestId('retention-timeline');
    await chart.waitFor();
    const actions = await chart.getByTestId('timeline-mark').evaluateAll((els) => els.map((el) => el.getAttribute('data-action')));
    assert(actions.join(',') === 'delete,keep', `the preview on the target: ${actions.join(',')}`);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await api(page, 'GET', `/policies/${policy.id}`);
    assert(saved.target_retention?.keep_last === 1, `saved target retention: ${JSON.stringify(saved.target_retention)}`);

    await page.goto(`${base}/replication/targets/${repl.targetId}`);
    await page.getByTestId('target-retention').filter({ hasText: 'Target retention: keep_last 1. The next prune deletes 1 of 2 replicas.' }).waitFor();
    const row = (name) => page.locator(`[data-testid="replica-row"][data-name="${name}"]`).first();
    await eventually(async () => /deleted at the next prune/.test(await textOf(row(repl.snapshot.name))), 'the older replica is not marked for deletion');
    const newerText = await textOf(row(second.name));
    assert(/kept: .*keep_last 1/.test(newerText) && /base/.test(newerText), `the newer replica: ${newerText}`);
  } finally {
    await api(page, 'DELETE', `/subvolumes/${subvolumeId}/policy`);
    await api(page, 'DELETE', `/policies/${policy.id}`);
  }
}
