// The restore-from-a-replica check of the browser test (run by `restore.e2e.mjs --replica`,
// needs a lab remote: e2e/README.md): two snapshots of e2e-vol are replicated (through the
// API) to a fresh directory on the remote; the newer replica is verified from the target
// page (every file's content, OK); the newer snapshot is deleted on the primary, found through
// "Show deleted and vanished" and brought back from its replica through the Restore
// dialog (the primary's copy disabled, "Bring the snapshot back" chosen, received
// incrementally against the older one), checked on disk and on its page. Everything it
// made (snapshots, target, received subvolumes, the remote, files) is removed again.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { assert, base, eventually, onRemote, remoteEnv, shot, suffix, textOf, volPath } from './support.mjs';

/** Runs the check on `page` (logged in as an operator or admin) for the managed e2e-vol `subvolume`. */
export async function replicaRestoreCheck(page, subvolume) {
  assert(remoteEnv.addr && remoteEnv.key && remoteEnv.targetDir, 'set the lab remote (eval "$(ops/lab env)"; e2e/README.md)');
  const made = { dir: '', serverId: '', targetId: '', snapshots: [], files: [] };
  const api = async (method, path, data) => {
    const me = await (await page.request.get(`${base}/api/v1/auth/me`)).json();
    const res = await page.request.fetch(`${base}/api/v1${path}`, { method, data, headers: { 'X-CSRF-Token': me.csrf_token } });
    assert(res.ok(), `${method} ${path} answered ${res.status()}: ${await res.text()}`);
    return res.status() === 204 ? null : res.json();
  };
  /** A snapshot of e2e-vol holding one more file of random data, replicated to the target. */
  const snapshotReplicated = async (n) => {
    const file = `${volPath}/e2e-replica-${suffix}-${n}.bin`;
    writeFileSync(file, randomBytes(2 * 1024 * 1024));
    made.files.push(file);
    const snap = await api('POST', `/subvolumes/${subvolume.id}/snapshots`);
    made.snapshots.push(snap);
    await api('POST', '/replications', { snapshot_id: snap.id, target_ids: [made.targetId] });
    const replicas = await eventually(
      async () => {
        const list = await api('GET', `/snapshots/${snap.id}/replicas`);
        return list.length > 0 && list;
      },
      `${snap.name} was not replicated`,
      120_000,
    );
    return { snap, replica: replicas[0] };
  };
  try {
    made.dir = `${remoteEnv.targetDir}/e2e-restore-${suffix}`;
    onRemote(`mkdir -p '${made.dir}'`);
    const server = await api('POST', '/servers', {
      name: `e2e-restore-${suffix}`, address: remoteEnv.addr, port: Number(remoteEnv.port), username: remoteEnv.user,
      password: remoteEnv.password, role: 'remote', sudo: true, allowed_roots: [remoteEnv.root],
      host_key_fingerprint: remoteEnv.fpr,
    });
    made.serverId = server.id;
    made.targetId = (await api('POST', `/subvolumes/${subvolume.id}/targets`, { server_id: server.id, directory: made.dir })).id;
    const older = await snapshotReplicated(1);
    // a second apart, so that the older one is older by creation time too
    await page.waitForTimeout(1100);
    const newer = await snapshotReplicated(2);

    // verify the newer replica from the target page: all the content (a sample of 2 files
    // may well be none of them), OK
    await page.goto(`${base}/replication/targets/${made.targetId}`);
    await page.getByRole('button', { name: `Verify ${newer.snap.name}` }).click();
    const verify = page.getByRole('dialog', { name: `Verify ${newer.snap.name}` });
    const sample = verify.getByRole('textbox', { name: /Content compared/ });
    await sample.fill('50');
    assert((await textOf(verify.getByTestId('verify-summary'))).includes('for 50% of the files'), 'the verify summary does not say the sample');
    await sample.fill('100');
    assert((await textOf(verify.getByTestId('verify-summary'))).includes('for every file'), 'the verify summary does not say every file');
    await verify.getByRole('button', { name: 'Verify' }).click();
    const verifying = verify.getByTestId('restore-progress');
    await eventually(async () => (await verifying.getAttribute('data-state')) === 'succeeded', 'the verification did not succeed', 120_000);
    await verify.getByRole('button', { name: 'Close' }).click();
    const row = page.locator(`[data-testid="replica-row"][data-name="${newer.snap.name}"]`);
    await eventually(async () => (await row.getByTestId('verification').getAttribute('data-ok')) === 'true', 'the replica is not shown verified OK');
    assert(/OK\s*([2-9]|[1-9]\d+) files compared/.test(await textOf(row)), `the replica row says: ${await textOf(row)}`);
    await shot(page, 'target-verified-1280');

    // the primary loses the newer snapshot; its page (through "Show deleted and vanished") brings it back
    await api('DELETE', `/snapshots/${newer.snap.id}?subvolume_id=${subvolume.id}`);
    assert(!existsSync(newer.snap.path), `${newer.snap.path} is still on disk`);
    await page.goto(`${base}/subvolumes/${subvolume.id}`);
    await page.getByRole('switch', { name: 'Show deleted and vanished' }).check();
    await page.locator('[aria-label="Snapshots"]').getByRole('link', { name: newer.snap.name, exact: true }).click();
    await page.getByRole('note', { name: 'Not on the primary (deleted)' }).waitFor();
    await page.getByRole('button', { name: 'Restore from a replica…' }).click();
    const dialog = page.getByRole('dialog', { name: `Restore from ${newer.snap.name}` });
    assert(await dialog.getByRole('radio', { name: /Primary snapshot/ }).isDisabled(), 'the primary is offered as a source');
    assert(await dialog.getByRole('radio', { name: 'Bring the snapshot back to the primary' }).isChecked(), 'bringing it back is not the default');
    await dialog.getByTestId('replica-source').getByTestId('verification').filter({ hasText: 'OK' }).waitFor();
    const summary = dialog.getByTestId('restore-summary');
    await eventually(async () => (await summary.textContent()).includes(`incrementally against ${older.snap.name}`), 'the summary does not say incremental');
    await shot(page, 'restore-from-replica-dialog-1280', { fullPage: false });
    await dialog.getByRole('button', { name: 'Bring it back' }).click();
    const progress = dialog.getByTestId('restore-progress');
    await eventually(async () => (await progress.getAttribute('data-state')) === 'succeeded', 'bringing it back did not succeed', 120_000);
    await eventually(async () => (await textOf(progress)).includes(`incrementally, against ${older.snap.name}`), 'the restore does not say it was incremental');
    assert(existsSync(newer.snap.path), `${newer.snap.path} is not back on disk`);
    await shot(page, 'restore-from-replica-done-1280', { fullPage: false });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('heading', { name: newer.snap.name }).locator('..').getByText('present', { exact: true }).waitFor();
  } finally {
    for (const snap of made.snapshots.reverse()) {
      const now = await api('GET', `/snapshots/${snap.id}`);
      if (now.state === 'present') await api('DELETE', `/snapshots/${snap.id}?subvolume_id=${subvolume.id}`);
    }
    if (made.targetId) await api('DELETE', `/targets/${made.targetId}`);
    if (made.dir) onRemote(`for s in '${made.dir}'/*; do [ -e "$s" ] && sudo btrfs subvolume delete "$s" >/dev/null; done; rmdir '${made.dir}'`);
    if (made.serverId) await api('DELETE', `/servers/${made.serverId}`);
    for (const file of made.files) rmSync(file, { force: true });
  }
}
