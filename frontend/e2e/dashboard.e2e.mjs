#!/usr/bin/env node
// Browser end-to-end test of the dashboard against a REAL running `dist-btrfs serve`: what it
// needs and what it checks is in e2e/README.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { darkThemeCheck } from './theme.mjs';
import { languagesCheck } from './languages.mjs';
import { expectNextHourlySnapshot, expectReachableWithUsage, subvolumeStatsCheck } from './stats.mjs';
import { targetRetentionCheck } from './target-retention.mjs';
import {
  base,
  shotDir,
  executablePath,
  TIMEOUT,
  DESKTOP,
  PHONE,
  adminUser,
  serveLog,
  adminPassword,
  primaryRoot,
  volPath,
  remoteEnv,
  onRemote,
  suffix,
  PAGE,
  finish,
  check,
  assert,
  eventually,
  textOf,
  logIn,
  timeline,
  navLink,
  shot,
  expectedStatuses,
  watch,
  recordFailure,
} from './support.mjs';
import { cleanUpLeftovers } from './cleanup.mjs';
import { expectCleared, expectListedAsNever } from './fleet-status.mjs';
import { eventsSearchCheck } from './events.mjs';
import { notificationsCheck } from './notifications.mjs';
import { replicaRestoreCheck } from './replica-restore.mjs';
import { restoreCheck } from './restore.mjs';

async function main() {
  if (!base) {
    console.error('e2e: set DIST_BTRFS_URL to a running dist-btrfs serve, e.g. http://127.0.0.1:8080');
    recordFailure();
    finish();
  }
  mkdirSync(shotDir, { recursive: true });
  console.log(`e2e against ${base}, screenshots in ${shotDir}`);

  let browser;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (error) {
    console.error(`e2e: cannot launch Chromium at ${executablePath}: ${error.message}`);
    recordFailure();
    finish();
  }

  // Preflight: without a reachable server or the admin's password every check would only
  // time out, one by one.
  let preflight = '';
  try {
    const health = await fetch(`${base}/api/v1/health`);
    if (!health.ok) preflight = `GET /api/v1/health answered ${health.status}`;
    else if (!primaryRoot.startsWith('/') || !existsSync(volPath)) {
      preflight =
        `E2E_PRIMARY_ROOT must be an absolute directory holding the subvolume e2e-vol (got "${primaryRoot}"); ` +
        'make one with e2e/prepare-primary.sh DIR and start serve with DIST_BTRFS_PRIMARY_ROOTS=DIR';
    }
    else if (!adminPassword) {
      preflight =
        'no admin password: set DIST_BTRFS_ADMIN_PASSWORD (for serve on a fresh state dir and here), ' +
        `or let E2E_SERVE_LOG point at the log of serve's first start (tried ${serveLog})`;
    }
  } catch (error) {
    preflight = `cannot reach ${base}: ${error.cause?.code ?? error.message}`;
  }
  if (preflight) {
    console.log(`FAIL preflight: the server at ${base} must answer the API\n     ${preflight}`);
    recordFailure();
    await browser.close();
    finish();
  }

  const problems = [];
  const newName = `e2e fleet ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;

  try {
    // ── desktop ─────────────────────────────────────────────────────────────────────
    const desktop = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light' });
    const page = await desktop.newPage();
    page.setDefaultTimeout(TIMEOUT);
    watch(page, problems);

    await check('login page: a wrong password is refused, the admin logs in', async () => {
      await page.goto(`${base}/`);
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await shot(page, 'login-1280');
      await logIn(page, `${adminPassword}-wrong`);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert((await textOf(alert)).includes('Login failed'), `unexpected alert: ${await textOf(alert)}`);
      await logIn(page);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
    });

    await check('overview shows the fleet status, the service health and the installation', async () => {
      const apiInstance = await (await page.request.get(`${base}/api/v1/instance`)).json();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      assert((await textOf(page.getByTestId('health-status'))) === 'ok', 'health status is not "ok"');
      assert((await textOf(page.getByTestId('health-database'))) === 'reachable', 'database is not reachable');
      await page.getByTestId('fleet-status').waitFor();
      await page.getByText(apiInstance.instance_id, { exact: true }).waitFor();
      await page.getByTestId('header-instance-name').waitFor();
      await page.locator('[aria-label="The 10 newest events"]').waitFor();
      await shot(page, 'overview-1280');
    });

    await check('rename form validates client-side', async () => {
      const input = page.getByRole('textbox', { name: 'Installation name' });
      await input.fill('   ');
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByText('Enter a name.').waitFor();
      await input.fill('x'.repeat(65));
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByText(/at most 64 characters/).waitFor();
    });

    await check('seed: the timeline holds more than one page (renames through the API)', async () => {
      // page.request shares the browser's session cookie; changes need its CSRF token too
      const me = await (await page.request.get(`${base}/api/v1/auth/me`)).json();
      const headers = { 'X-CSRF-Token': me.csrf_token };
      const page1 = await (await page.request.get(`${base}/api/v1/events?limit=${PAGE + 1}`)).json();
      for (let i = page1.items.length; i <= PAGE; i += 1) {
        const res = await page.request.patch(`${base}/api/v1/instance`, { data: { name: `e2e seed ${i}` }, headers });
        assert(res.ok(), `PATCH /instance answered ${res.status()}`);
      }
    });

    await check('renaming through the UI shows the new name in the header', async () => {
      await page.getByRole('textbox', { name: 'Installation name' }).fill(newName);
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByText(`Renamed to “${newName}”.`).waitFor();
      await eventually(
        async () => (await textOf(page.getByTestId('header-instance-name'))) === newName,
        `header does not show "${newName}"`,
      );
      const apiInstance = await (await page.request.get(`${base}/api/v1/instance`)).json();
      assert(apiInstance.name === newName, `the server says the name is "${apiInstance.name}"`);
    });

    await check('Events page lists the InstanceRenamed event', async () => {
      await navLink(page, 'Events').click();
      await page.waitForURL(`${base}/events`);
      await page.getByRole('heading', { name: 'Events' }).waitFor();
      const table = timeline(page);
      await table.waitFor();
      const renamed = table.locator('[data-testid="event-row"][data-event-type="InstanceRenamed"]');
      await eventually(async () => (await renamed.count()) > 0, 'no InstanceRenamed row');
      const mine = renamed.filter({ hasText: newName });
      assert((await mine.count()) === 1, `no InstanceRenamed event mentions "${newName}"`);
      await shot(page, 'events-1280');
    });

    await check('Load older pages through next_before', async () => {
      const rows = timeline(page).getByTestId('event-row');
      assert((await rows.count()) === PAGE, `first page has ${await rows.count()} rows, expected ${PAGE}`);
      await page.getByRole('button', { name: 'Load older' }).click();
      await eventually(async () => (await rows.count()) > PAGE, 'no older events appeared');
      const seqs = (await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-seq')))).map(Number);
      assert(seqs.every((seq, i) => i === 0 || seq < seqs[i - 1]), `not strictly newest first: ${seqs.join(',')}`);
    });

    await check('Events: a server-side search in the URL, exported as JSON, cleared', () => eventsSearchCheck(page));

    await check('deep link /events loads the Events page', async () => {
      const fresh = await desktop.newPage();
      watch(fresh, problems);
      const response = await fresh.goto(`${base}/events`);
      assert(response?.status() === 200, `GET /events answered ${response?.status()}`);
      await fresh.getByRole('heading', { name: 'Events' }).waitFor();
      await fresh.locator('[aria-label="Audit timeline"]').waitFor();
      await fresh.close();
    });

    // ── servers, subvolumes, snapshots (the local primary at E2E_PRIMARY_ROOT) ────────
    let subvolumeUrl = '';
    let snapshotName = '';
    const snapshotRows = (p) => p.locator('[aria-label="Snapshots"] [data-testid="snapshot-row"]');

    await check('Servers page lists the local primary with its allowed root', async () => {
      // a state dir reused from an earlier run may still manage e2e-vol: stop that (no data is touched)
      const me = await (await page.request.get(`${base}/api/v1/auth/me`)).json();
      const subvolumes = (await (await page.request.get(`${base}/api/v1/subvolumes`)).json()).items;
      for (const s of subvolumes.filter((s) => s.path === volPath)) {
        await page.request.delete(`${base}/api/v1/subvolumes/${s.id}`, { headers: { 'X-CSRF-Token': me.csrf_token } });
      }
      await navLink(page, 'Servers').click();
      await page.waitForURL(`${base}/servers`);
      const row = page.locator('[data-testid="server-row"][data-server-name="primary"]');
      await row.waitFor();
      const text = await textOf(row);
      assert(text.includes(primaryRoot), `the primary's row does not show ${primaryRoot}: ${text}`);
      assert(text.includes('local'), `the primary's row does not say local: ${text}`);
      await expectReachableWithUsage(page, row);
      await shot(page, 'servers-1280');
    });

    await check('primary: e2e-vol is discovered and managed through the dialog', async () => {
      await page.locator('[aria-label="Servers"]').getByRole('link', { name: 'primary', exact: true }).click();
      await page.getByRole('heading', { name: 'primary' }).waitFor();
      const row = page.locator(`[data-testid="discovered-row"][data-path="${volPath}"]`);
      await row.waitFor();
      await shot(page, 'server-1280');
      await row.getByRole('button', { name: `Manage ${volPath}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Manage subvolume' });
      await dialog.waitFor();
      const dir = await dialog.getByRole('textbox', { name: /Snapshot directory/ }).inputValue();
      assert(dir === `${primaryRoot}/.snapshots`, `default snapshot directory is ${dir}`);
      await shot(page, 'manage-dialog-1280', { fullPage: false });
      await dialog.getByRole('button', { name: 'Manage', exact: true }).click();
      const status = page.getByRole('status').filter({ hasText: 'Now managed' });
      await status.waitFor();
      await row.getByRole('link', { name: `Open managed subvolume ${volPath}` }).waitFor();
      await status.getByRole('link', { name: 'Open it' }).click();
      await page.waitForURL(/\/subvolumes\/[0-9a-f-]{36}$/);
      subvolumeUrl = page.url();
      await page.getByRole('heading', { name: 'e2e-vol' }).waitFor();
      await page.getByTestId('snapshots-count').waitFor();
    });

    await check('Create snapshot: it appears in the table and on disk', async () => {
      assert(subvolumeUrl, 'no subvolume page (managing failed)');
      await page.getByRole('button', { name: 'Create snapshot' }).click();
      const created = page.getByRole('status').filter({ hasText: 'Created snapshot' });
      await created.waitFor();
      snapshotName = (await textOf(created)).match(/Created snapshot (\S+?)\.?$/)?.[1] ?? '';
      assert(/^e2e-vol\.\d{8}T\d{6}Z/.test(snapshotName), `unexpected snapshot name "${snapshotName}"`);
      const row = snapshotRows(page).and(page.locator(`[data-name="${snapshotName}"]`));
      await row.waitFor();
      assert((await row.getAttribute('data-state')) === 'present', 'the new snapshot is not present');
      assert((await snapshotRows(page).first().getAttribute('data-name')) === snapshotName, 'the new snapshot is not first');
      assert(existsSync(`${primaryRoot}/.snapshots/${snapshotName}`), `${primaryRoot}/.snapshots/${snapshotName} is not on disk`);
      await shot(page, 'subvolume-1280');
    });

    await check('Subvolume stats: sizes say quotas are off, the last 7 days after a collection, the filesystems involved', () =>
      subvolumeStatsCheck(page, { subvolumeUrl, snapshotName, snapshotRows }));

    await check('Delete snapshot after confirming: gone from the table and the disk', async () => {
      assert(snapshotName, 'no snapshot was created');
      await page.getByRole('button', { name: `Delete ${snapshotName}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete this snapshot?' });
      await dialog.waitFor();
      await shot(page, 'delete-dialog-1280', { fullPage: false });
      await dialog.getByRole('button', { name: 'Delete snapshot' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await eventually(
        async () => (await page.locator(`[data-testid="snapshot-row"][data-name="${snapshotName}"]`).count()) === 0,
        'the snapshot is still listed',
      );
      assert(!existsSync(`${primaryRoot}/.snapshots/${snapshotName}`), 'the snapshot is still on disk');
      await page.getByRole('switch', { name: 'Show deleted and vanished' }).check();
      const gone = page.locator(`[data-testid="snapshot-row"][data-name="${snapshotName}"]`);
      await gone.waitFor();
      assert((await gone.getAttribute('data-state')) === 'deleted', `state is ${await gone.getAttribute('data-state')}`);
      await shot(page, 'subvolume-deleted-1280');
    });

    await check('Subvolumes page lists e2e-vol with its snapshot directory', async () => {
      await navLink(page, 'Subvolumes').click();
      await page.waitForURL(`${base}/subvolumes`);
      const row = page.locator('[data-testid="subvolume-row"][data-name="e2e-vol"]');
      await row.waitFor();
      const text = await textOf(row);
      assert(text.includes(`${primaryRoot}/.snapshots`), `row: ${text}`);
      await shot(page, 'subvolumes-1280');
    });
    await check('Restore: browse a snapshot of e2e-vol, enter a directory, restore it as a new subvolume', () => restoreCheck(page, subvolumeUrl));
    if (remoteEnv.addr && remoteEnv.key && remoteEnv.targetDir) {
      await check('Restore from a replica: verify it, delete the snapshot on the primary, bring it back incrementally', () =>
        replicaRestoreCheck(page, { id: subvolumeUrl.split('/').pop() }));
    }

    // ── live updates, SSH servers, policies, tokens, users ─────────────────────────
    const api = async (p, method, path, data) => {
      const me = await (await p.request.get(`${base}/api/v1/auth/me`)).json();
      const res = await p.request.fetch(`${base}/api/v1${path}`, { method, data, headers: { 'X-CSRF-Token': me.csrf_token } });
      assert(res.ok(), `${method} ${path} answered ${res.status()}: ${await res.text()}`);
      return res.status() === 204 ? null : res.json();
    };
    const subvolumeId = () => subvolumeUrl.split('/').pop();
    const extraSnapshots = [];
    /** What the replication check made (cleaned up by cleanUpReplication, also after a failure). */
    const repl = { dir: '', serverId: '', targetId: '', snapshot: null };
    const cleanUpReplication = async (p) => {
      if (repl.targetId) {
        await p.goto(`${base}/replication`);
        const row = p.locator(`[data-testid="target-row"][data-directory="${repl.dir}"]`);
        await row.getByRole('button', { name: `Remove target ${repl.dir}` }).click();
        await p.getByRole('dialog', { name: 'Remove this target?' }).getByRole('button', { name: 'Remove target' }).click();
        await eventually(async () => (await row.count()) === 0, 'the target is still listed');
        repl.targetId = '';
      }
      if (repl.dir) {
        onRemote(`for s in '${repl.dir}'/*; do [ -e "$s" ] && sudo btrfs subvolume delete "$s" >/dev/null; done; rmdir '${repl.dir}'`);
        repl.dir = '';
      }
      if (repl.serverId) await api(p, 'DELETE', `/servers/${repl.serverId}`);
      repl.serverId = '';
      if (repl.snapshot) {
        await api(p, 'DELETE', `/snapshots/${repl.snapshot.id}?subvolume_id=${repl.snapshot.subvolume_id}`);
        assert(!existsSync(repl.snapshot.path), `${repl.snapshot.path} is still on disk`);
        repl.snapshot = null;
      }
      rmSync(`${volPath}/e2e-replication.bin`, { force: true });
    };

    await check('live: a snapshot made through the API appears on the Events page without a reload', async () => {
      assert(subvolumeUrl, 'no managed subvolume');
      await navLink(page, 'Events').click();
      await page.waitForURL(`${base}/events`);
      await timeline(page).waitFor();
      await page.locator('[data-testid="live-indicator"][data-status="live"]').waitFor();
      await page.evaluate(() => {
        window.__e2eNotReloaded = true;
      });
      const snap = await api(page, 'POST', `/subvolumes/${subvolumeId()}/snapshots`);
      extraSnapshots.push(snap);
      const row = timeline(page).locator('[data-testid="event-row"]').filter({ hasText: snap.name });
      await row.first().waitFor();
      assert(await page.evaluate(() => window.__e2eNotReloaded === true), 'the page was reloaded');
      await shot(page, 'events-live-1280');
    });

    let remoteName = '';
    await check('Servers: add the lab remote through the form (fingerprint shown, checks after), test, remove', async () => {
      assert(remoteEnv.addr && remoteEnv.user && remoteEnv.password && remoteEnv.fpr && remoteEnv.root,
        'set E2E_REMOTE_ADDR/PORT/USER/PASSWORD/FPR/ROOT (or eval "$(ops/lab env)")');
      remoteName = `e2e-remote-${suffix}`;
      await navLink(page, 'Servers').click();
      await page.waitForURL(`${base}/servers`);
      await page.getByRole('button', { name: 'Add SSH server' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add SSH server' });
      await dialog.waitFor();
      await dialog.getByRole('textbox', { name: /^Name/ }).fill(remoteName);
      await dialog.getByRole('textbox', { name: /^Address/ }).fill(remoteEnv.addr);
      await dialog.getByRole('textbox', { name: /^Port/ }).fill(String(remoteEnv.port));
      await dialog.getByRole('textbox', { name: /^SSH user/ }).fill(remoteEnv.user);
      await dialog.getByRole('textbox', { name: /^Allowed roots/ }).fill(remoteEnv.root);
      await dialog.getByLabel(/^SSH password/).fill(remoteEnv.password);
      await dialog.getByRole('button', { name: 'Check host key' }).click();
      const fpr = await textOf(dialog.getByTestId('probed-fingerprint'));
      assert(fpr === remoteEnv.fpr, `the form shows ${fpr}, the lab says ${remoteEnv.fpr}`);
      assert(await dialog.getByRole('button', { name: 'Add server' }).isDisabled(), 'Add is enabled before confirming');
      await dialog.getByTestId('probed-fingerprint').scrollIntoViewIfNeeded();
      await shot(page, 'server-add-1280', { fullPage: false });
      await dialog.getByRole('checkbox', { name: /I checked this fingerprint/ }).check();
      await dialog.getByRole('button', { name: 'Add server' }).click();
      await dialog.getByText('Server added').waitFor({ timeout: 60_000 });
      const checks = dialog.getByRole('list', { name: 'Check results' });
      await checks.waitFor({ timeout: 60_000 });
      const oks = await checks.getByTestId('check').evaluateAll((els) => els.map((el) => el.getAttribute('data-ok')));
      assert(oks.length >= 2 && oks.every((ok) => ok === 'true'), `check results: ${oks.join(',')}`);
      assert(!(await dialog.textContent()).includes(remoteEnv.password), 'the password is shown after saving');
      await shot(page, 'server-added-1280', { fullPage: false });
      await dialog.getByRole('button', { name: `Open ${remoteName}` }).click();
      await page.getByRole('heading', { name: remoteName }).waitFor();
      await page.getByText(remoteEnv.fpr, { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.getByRole('list', { name: 'Check results' }).waitFor({ timeout: 60_000 });
      await shot(page, 'server-remote-1280');
      await page.getByRole('button', { name: 'Remove…' }).click();
      const confirm = page.getByRole('dialog', { name: `Remove ${remoteName}?` });
      await confirm.getByRole('button', { name: 'Remove server' }).click();
      await page.waitForURL(`${base}/servers`);
      await eventually(
        async () => (await page.locator(`[data-testid="server-row"][data-server-name="${remoteName}"]`).count()) === 0,
        'the removed server is still listed',
      );
      remoteName = '';
    });

    await check('Replication: target on a lab remote, replicate a snapshot from its row, progress to done, health OK, events', async () => {
      assert(subvolumeUrl, 'no managed subvolume');
      assert(remoteEnv.targetDir && remoteEnv.key, 'set E2E_REMOTE_TARGET_DIR and E2E_REMOTE_KEY (or eval "$(ops/lab env)")');
      const dir = `${remoteEnv.targetDir}/e2e-${suffix}`;
      onRemote(`mkdir -p '${dir}'`);
      repl.dir = dir;
      const server = await api(page, 'POST', '/servers', {
        name: `e2e-repl-${suffix}`, address: remoteEnv.addr, port: Number(remoteEnv.port), username: remoteEnv.user,
        password: remoteEnv.password, role: 'remote', sudo: true, allowed_roots: [remoteEnv.root],
        host_key_fingerprint: remoteEnv.fpr,
      });
      repl.serverId = server.id;
      // some data, and a rate limit, so that the transfer takes a few seconds to watch
      writeFileSync(`${volPath}/e2e-replication.bin`, randomBytes(4 * 1024 * 1024));

      await navLink(page, 'Replication').click();
      await page.waitForURL(`${base}/replication`);
      await page.getByRole('button', { name: 'Add target for e2e-vol' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add a target for e2e-vol' });
      await dialog.getByRole('combobox', { name: /Server/ }).selectOption(server.id);
      await dialog.getByRole('textbox', { name: /Directory/ }).fill(dir);
      await dialog.getByRole('textbox', { name: /Rate limit/ }).fill('500000');
      await dialog.getByRole('button', { name: 'Add target' }).click();
      const targetRow = page.locator(`[data-testid="target-row"][data-directory="${dir}"]`);
      await targetRow.waitFor();
      const targets = (await (await page.request.get(`${base}/api/v1/targets`)).json()).items;
      repl.targetId = targets.find((t) => t.directory === dir)?.id ?? '';
      const health = page.locator(`[data-testid="health-row"][data-target="${repl.targetId}"]`);
      await eventually(async () => (await health.getAttribute('data-state')) === 'never_replicated', 'health is not NEVER before the first run');
      await navLink(page, 'Overview').click();
      await expectListedAsNever(page, dir);

      await page.goto(subvolumeUrl);
      await page.getByRole('button', { name: 'Create snapshot' }).click();
      const created = page.getByRole('status').filter({ hasText: 'Created snapshot' });
      await created.waitFor();
      const name = (await textOf(created)).match(/Created snapshot (\S+?)\.?$/)?.[1] ?? '';
      repl.snapshot = (await (await page.request.get(`${base}/api/v1/subvolumes/${subvolumeId()}/snapshots?limit=1`)).json()).items[0];
      assert(repl.snapshot?.name === name, `newest snapshot is ${repl.snapshot?.name}, created ${name}`);
      await page.getByRole('button', { name: `Replicate ${name}` }).click();
      // The dialog previews the first send to the new target: full, with an estimate (4 MiB written).
      const replicateDialog = page.getByRole('dialog', { name: `Replicate ${name}` });
      const planned = replicateDialog.locator('[data-testid="preview-target"][data-plan="full"]');
      await planned.waitFor({ timeout: 30_000 });
      assert(/full send · about [\d.]+ MiB/.test(await textOf(replicateDialog)), `no full-send estimate: ${await textOf(replicateDialog)}`);
      await replicateDialog.getByRole('button', { name: 'Replicate to 1 target' }).click();
      await page.getByRole('status').filter({ hasText: 'Replication to 1 target started' }).waitFor();
      await navLink(page, 'Replication').click();
      await page.waitForURL(`${base}/replication`);
      // live progress while it runs (bytes, rate), then done
      const progress = page.getByTestId('running-replication').locator('[data-testid="progress-row"][data-state="running"]');
      await progress.first().waitFor({ timeout: 30_000 });
      // ReplicationProgress (every 2 s per send) reaches the page through the live stream
      const figures = progress.first().getByTestId('progress-figures');
      await eventually(async () => /running · full · [1-9][\d.]* [KM]iB.* · [\d.]+ [KM]iB\/s/.test(await figures.textContent()),
        'no bytes/rate shown while running', 30_000);
      await shot(page, 'replication-running-1280');
      const history = page.locator('[data-testid="history-row"]').first();
      await eventually(async () => (await history.getAttribute('data-state')) === 'succeeded', 'the replication did not reach succeeded', 120_000);
      await page.getByTestId('nothing-running').waitFor();
      await eventually(async () => (await health.getAttribute('data-state')) === 'ok', 'health did not turn OK', 30_000);
      const healthText = await textOf(health);
      assert(healthText.includes(name), `health row does not name the replica ${name}: ${healthText}`);
      assert(healthText.includes('full'), `health row does not show the last (full) transfer: ${healthText}`);
      const received = onRemote(`ls '${dir}'`).trim();
      assert(received === name, `the remote directory holds "${received}", expected ${name}`);
      await shot(page, 'replication-1280');

      // the Overview's summary and the events in the timeline
      await navLink(page, 'Overview').click();
      await page.getByRole('region', { name: 'Replication health' }).getByTestId('summary-ok').filter({ hasText: '1 OK' }).waitFor();
      await expectCleared(page, dir, repl.targetId);
      await navLink(page, 'Events').click();
      await page.waitForURL(`${base}/events`);
      for (const type of ['ReplicationRequested', 'ReplicationTargetSucceeded', 'ReplicationFinished', 'TargetAdded']) {
        await page.locator(`[data-testid="event-row"][data-event-type="${type}"]`).first().waitFor();
      }
      await shot(page, 'events-replication-1280');

      // phone width
      const phoneCtx = await browser.newContext({ viewport: PHONE, colorScheme: 'light', isMobile: true, hasTouch: true });
      const small = await phoneCtx.newPage();
      watch(small, problems);
      await small.goto(`${base}/replication`);
      await logIn(small);
      await small.locator(`ul[aria-label="Replication health per subvolume and target"] [data-target="${repl.targetId}"]`).waitFor();
      const width = await small.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= PHONE.width, `the Replication page is ${width}px wide at ${PHONE.width}px`);
      await shot(small, 'replication-390');
      await phoneCtx.close();
    });

    await check('Target retention: set in the policy editor, previewed on the target, the next prune shown per replica', () =>
      targetRetentionCheck(page, { api, repl, subvolumeId: subvolumeId(), extraSnapshots, suffix }));

    await check('Replication cleanup: remove the target (UI), the received subvolume, the remote and the snapshot', async () => {
      await cleanUpReplication(page);
    });

    let policyUrl = '';
    await check('Policies: create a policy, assign it, its next snapshot (zone named) on the list and the subvolume, the retention preview timeline', async () => {
      assert(subvolumeUrl, 'no managed subvolume');
      // two more snapshots, so keep_last 1 keeps one and deletes the others
      for (let i = 0; i < 2; i += 1) extraSnapshots.push(await api(page, 'POST', `/subvolumes/${subvolumeId()}/snapshots`));
      await navLink(page, 'Policies').click();
      await page.waitForURL(`${base}/policies`);
      await page.getByRole('button', { name: 'New policy' }).click();
      const form = page.getByRole('form', { name: 'Policy' });
      await form.waitFor();
      await form.getByRole('textbox', { name: /^Name/ }).fill('');
      await form.getByRole('button', { name: 'Create policy' }).click();
      await form.getByText('Enter a name.').waitFor();
      await form.getByRole('textbox', { name: /^Name/ }).fill(`e2e-policy-${suffix}`);
      await form.getByRole('textbox', { name: /^Time zone/ }).fill('UTC');
      for (const [label, value] of [['Keep last', '1'], ['Hourly', '0'], ['Daily', '0'], ['Weekly', '0']]) {
        await form.getByRole('textbox', { name: new RegExp(`^${label}`) }).fill(value);
      }
      await form.getByRole('button', { name: 'Create policy' }).click();
      await page.waitForURL(/\/policies\/[0-9a-f-]{36}$/);
      policyUrl = page.url();
      await page.getByRole('heading', { name: `e2e-policy-${suffix}` }).waitFor();
      await page.getByRole('textbox', { name: 'Assign to subvolume' }).click();
      await page.getByRole('option', { name: /^e2e-vol/ }).click();
      await page.getByRole('button', { name: 'Assign', exact: true }).click();
      await page.getByTestId('assigned-subvolume').filter({ hasText: 'e2e-vol' }).waitFor();
      const subvolumeSelect = page.getByRole('textbox', { name: 'Subvolume', exact: true });
      if (!(await subvolumeSelect.inputValue())) {
        await subvolumeSelect.click();
        await page.getByRole('option', { name: /^e2e-vol/ }).click();
      }
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      const chart = page.getByTestId('retention-timeline');
      await chart.waitFor();
      const actions = await chart.getByTestId('timeline-mark').evaluateAll((els) => els.map((el) => el.getAttribute('data-action')));
      assert(actions.length >= 3, `the timeline shows ${actions.length} snapshots`);
      assert(actions.filter((a) => a === 'keep').length === 1, `kept: ${actions.join(',')}`);
      assert(actions.at(-1) === 'keep', `the newest is not kept: ${actions.join(',')}`);
      await chart.getByTestId('timeline-mark').last().focus();
      const detail = await textOf(page.getByTestId('timeline-detail'));
      assert(/kept: .*newest/.test(detail), `focus detail: ${detail}`);
      await shot(page, 'policy-1280');
      await navLink(page, 'Policies').click();
      const policyRow = page.locator(`[data-testid="policy-row"][data-policy-name="e2e-policy-${suffix}"]`);
      await policyRow.waitFor();
      await expectNextHourlySnapshot(page, policyRow, subvolumeUrl);
      await navLink(page, 'Policies').click();
      await policyRow.waitFor();
      await shot(page, 'policies-1280');
    });

    await check('API tokens: create one (secret shown once), it works, revoke it, it stops working', async () => {
      await navLink(page, 'API tokens').click();
      await page.waitForURL(`${base}/tokens`);
      await page.getByRole('button', { name: 'New token' }).click();
      const dialog = page.getByRole('dialog', { name: 'New API token' });
      await dialog.getByRole('textbox', { name: /^Name/ }).fill(`e2e-token-${suffix}`);
      await dialog.getByRole('button', { name: 'Create token' }).click();
      const secret = await textOf(page.getByTestId('issued-token'));
      assert(secret.startsWith('dbt_'), `the token shown is "${secret.slice(0, 6)}…"`);
      await page.getByRole('button', { name: 'Copy' }).waitFor();
      await shot(page, 'tokens-created-1280');
      const withToken = () => fetch(`${base}/api/v1/instance`, { headers: { Authorization: `Bearer ${secret}` } });
      assert((await withToken()).status === 200, 'the new token does not work');
      await page.getByRole('button', { name: `Revoke e2e-token-${suffix}` }).click();
      const confirm = page.getByRole('dialog', { name: `Revoke e2e-token-${suffix}?` });
      await confirm.getByRole('button', { name: 'Revoke token' }).click();
      await page.locator(`[data-testid="token-row"][data-token-name="e2e-token-${suffix}"][data-revoked="true"]`).waitFor();
      assert((await withToken()).status === 401, 'the revoked token still works');
      await page.getByRole('button', { name: 'Dismiss' }).click();
      assert((await page.getByTestId('issued-token').count()) === 0, 'the secret is still shown');
      await shot(page, 'tokens-1280');
    });

    await check('Users: create a user, change the role, they change their own password, delete it', async () => {
      const username = `e2e-user-${suffix}`;
      await navLink(page, 'Users').click();
      await page.waitForURL(`${base}/users`);
      await page.getByRole('button', { name: 'New user' }).click();
      const dialog = page.getByRole('dialog', { name: 'New user' });
      await dialog.getByRole('textbox', { name: /User name/ }).fill(username);
      await dialog.getByLabel(/^Password/).fill(`pw-${suffix}-long-enough`);
      await dialog.getByRole('button', { name: 'Create user' }).click();
      const row = page.locator(`[data-testid="user-row"][data-username="${username}"]`);
      await row.waitFor();
      await page.getByRole('combobox', { name: `Role of ${username}` }).selectOption('operator');
      await page.getByRole('dialog', { name: `Make ${username} operator?` }).getByRole('button', { name: 'Change role' }).click();
      await eventually(async () => {
        const users = await (await page.request.get(`${base}/api/v1/users`)).json();
        return users.find((u) => u.username === username)?.role === 'operator';
      }, 'the role did not change');
      await shot(page, 'users-1280');

      // The new user changes their own password: logged out everywhere, the new one works.
      const own = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light' });
      const theirs = await own.newPage();
      theirs.setDefaultTimeout(TIMEOUT);
      watch(theirs, problems);
      const logInAs = async (password) => {
        await theirs.getByRole('heading', { name: 'Log in' }).waitFor();
        await theirs.getByRole('textbox', { name: 'User name' }).fill(username);
        await theirs.getByLabel('Password', { exact: true }).fill(password);
        await theirs.getByRole('button', { name: 'Log in' }).click();
        await theirs.getByRole('button', { name: `Account: ${username}` }).waitFor();
      };
      await theirs.goto(`${base}/`);
      await logInAs(`pw-${suffix}-long-enough`);
      await theirs.getByRole('button', { name: `Account: ${username}` }).click();
      await theirs.getByRole('menuitem', { name: 'Change password' }).click();
      const change = theirs.getByRole('dialog', { name: 'Change password' });
      await change.getByLabel(/Current password/).fill(`pw-${suffix}-long-enough`);
      await change.getByLabel(/^New password/).fill(`changed-${suffix}-passphrase`);
      await change.getByLabel(/Repeat the new password/).fill(`changed-${suffix}-passphrase`);
      await shot(theirs, 'change-password-1280', { fullPage: false });
      await change.getByRole('button', { name: 'Change password' }).click();
      await theirs.getByRole('heading', { name: 'Log in' }).waitFor();
      const stale = await theirs.request.get(`${base}/api/v1/auth/me`);
      assert(stale.status() === 401, `the old session still works after the change (${stale.status()})`);
      await logInAs(`changed-${suffix}-passphrase`);
      await own.close();

      await page.getByRole('button', { name: `Delete ${username}` }).click();
      await page.getByRole('dialog', { name: `Delete ${username}?` }).getByRole('button', { name: 'Delete user' }).click();
      await eventually(async () => (await row.count()) === 0, 'the user is still listed');
    });

    await check('Notifications: a webhook channel, a signed test message, a muted rule', () => notificationsCheck(page));

    await check('dark theme toggle switches and persists across reloads', () => darkThemeCheck(page, subvolumeUrl));
    await check('four languages: the account menu switches them, dates and sizes follow, the choice is kept', () =>
      languagesCheck(page, subvolumeUrl));
    await check('logging out returns to the login page, also after a reload', async () => {
      await page.getByRole('button', { name: `Account: ${adminUser}` }).click();
      await page.getByRole('menuitem', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      const res = await page.request.get(`${base}/api/v1/instance`);
      assert(res.status() === 401, `GET /instance after logout answered ${res.status()}`);
    });
    await desktop.close();

    // ── phone ───────────────────────────────────────────────────────────────────────
    const phone = await browser.newContext({ viewport: PHONE, colorScheme: 'light', isMobile: true, hasTouch: true });
    const mobile = await phone.newPage();
    mobile.setDefaultTimeout(TIMEOUT);
    watch(mobile, problems);
    const navLinkOnScreen = async (name) => {
      const box = await navLink(mobile, name).boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= PHONE.width;
    };
    const noSidewaysScroll = async () => {
      const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= PHONE.width, `the page is ${width}px wide at ${PHONE.width}px`);
    };

    await check('phone width (390x844) collapses the sidebar into a burger menu', async () => {
      await mobile.goto(`${base}/`);
      await mobile.getByRole('heading', { name: 'Log in' }).waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'login-390');
      await logIn(mobile);
      await mobile.getByTestId('health-status').waitFor();
      const burger = mobile.getByRole('button', { name: 'Open navigation' });
      await burger.waitFor({ state: 'visible' });
      assert(!(await navLinkOnScreen('Events')), 'the sidebar is on screen before opening the menu');
      await noSidewaysScroll();
      await mobile.getByTestId('header-instance-name').waitFor();
      await shot(mobile, 'overview-390');
      await burger.click();
      await eventually(() => navLinkOnScreen('Events'), 'the menu did not open');
      await shot(mobile, 'navigation-open-390', { fullPage: false });
      await navLink(mobile, 'Events').click();
      await mobile.waitForURL(`${base}/events`);
      await mobile.locator('ul[aria-label="Audit timeline"]').waitFor();
      await eventually(async () => !(await navLinkOnScreen('Events')), 'the menu stayed open after navigating');
      await noSidewaysScroll();
      await shot(mobile, 'events-390');
    });
    /** Opens a page through the burger menu (and checks that the menu closes again). */
    const openPage = async (name) => {
      await mobile.getByRole('button', { name: 'Open navigation' }).click();
      await eventually(() => navLinkOnScreen(name), 'the menu did not open');
      await navLink(mobile, name).click();
      await eventually(async () => !(await navLinkOnScreen(name)), 'the menu stayed open after navigating');
    };
    await check('phone width: servers, subvolumes and snapshots as stacked lists', async () => {
      await openPage('Servers');
      await mobile.locator('ul[aria-label="Servers"] [data-server-name="primary"]').waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'servers-390');
      await mobile.getByRole('link', { name: 'primary', exact: true }).click();
      await mobile.locator(`ul[aria-label="Subvolumes on disk"] [data-path="${volPath}"]`).waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'server-390');
      await openPage('Subvolumes');
      await mobile.locator('ul[aria-label="Managed subvolumes"] [data-name="e2e-vol"]').waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'subvolumes-390');
      await mobile.getByRole('link', { name: 'e2e-vol', exact: true }).click();
      await mobile.getByRole('heading', { name: 'e2e-vol' }).waitFor();
      // one more snapshot, taken and deleted on the phone layout
      await mobile.getByRole('button', { name: 'Create snapshot' }).click();
      const created = mobile.getByRole('status').filter({ hasText: 'Created snapshot' });
      await created.waitFor();
      const name = (await textOf(created)).match(/Created snapshot (\S+?)\.?$/)?.[1] ?? '';
      const row = mobile.locator(`ul[aria-label="Snapshots"] [data-name="${name}"]`);
      await row.waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'subvolume-390');
      await row.getByRole('button', { name: `Delete ${name}` }).click();
      const dialog = mobile.getByRole('dialog', { name: 'Delete this snapshot?' });
      await dialog.waitFor();
      await shot(mobile, 'delete-dialog-390', { fullPage: false });
      await dialog.getByRole('button', { name: 'Delete snapshot' }).click();
      await eventually(async () => (await row.count()) === 0, 'the snapshot is still listed');
      assert(!existsSync(`${primaryRoot}/.snapshots/${name}`), 'the snapshot is still on disk');
    });

    await check('phone width: policies (with the preview), tokens and users', async () => {
      await openPage('Policies');
      await mobile.locator(`ul[aria-label="Policies"] [data-policy-name="e2e-policy-${suffix}"]`).waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'policies-390');
      await mobile.getByRole('link', { name: `e2e-policy-${suffix}`, exact: true }).click();
      await mobile.getByRole('button', { name: 'Preview', exact: true }).click();
      await mobile.getByTestId('retention-timeline').waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'policy-390');
      // deleting is refused while a subvolume follows it (the problem shows in the dialog)
      await mobile.getByRole('button', { name: 'Delete…' }).click();
      const confirm = mobile.getByRole('dialog', { name: `Delete policy e2e-policy-${suffix}?` });
      expectedStatuses.add('409');
      await confirm.getByRole('button', { name: 'Delete policy' }).click();
      const refusal = await textOf(confirm.getByRole('alert'));
      expectedStatuses.delete('409');
      assert(/Could not delete the policy/.test(refusal), `dialog says: ${refusal}`);
      await shot(mobile, 'policy-delete-refused-390', { fullPage: false });
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'hidden' });
      await mobile.getByRole('button', { name: 'Unassign e2e-vol' }).click();
      await eventually(async () => (await mobile.getByTestId('assigned-subvolume').count()) === 0, 'still assigned');
      await mobile.getByRole('button', { name: 'Delete…' }).click();
      await confirm.getByRole('button', { name: 'Delete policy' }).click();
      await mobile.waitForURL(`${base}/policies`);
      await eventually(
        async () => (await mobile.locator(`[data-policy-name="e2e-policy-${suffix}"]`).count()) === 0,
        'the deleted policy is still listed',
      );
      policyUrl = '';
      await openPage('API tokens');
      await mobile.locator('ul[aria-label="API tokens"]').waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'tokens-390');
      await openPage('Users');
      await mobile.locator('ul[aria-label="Users"]').waitFor();
      await noSidewaysScroll();
      await shot(mobile, 'users-390');
      await openPage('Servers');
      await mobile.getByRole('button', { name: 'Add SSH server' }).click();
      await mobile.getByRole('dialog', { name: 'Add SSH server' }).waitFor();
      await shot(mobile, 'server-add-390', { fullPage: false });
      await mobile.keyboard.press('Escape');
    });

    await check('cleanup: the policy, the extra snapshots (and a remote left by a failure)', async () => {
      await cleanUpLeftovers(mobile, { policyUrl, subvolumeUrl, extraSnapshots });
    });
    await phone.close();

    await check('no console errors, page errors or requests to other origins', async () => {
      assert(problems.length === 0, problems.join('\n'));
    });
  } finally {
    await browser.close();
  }
  finish();
}

main().catch((error) => {
  console.error(error);
  recordFailure();
  finish();
});
