#!/usr/bin/env node
// The browse-and-restore check of the browser test (restore.mjs) on its own: against the same
// server and E2E_PRIMARY_ROOT as dashboard.e2e.mjs (e2e/README.md), without the lab remotes.
// With --replica it runs the restore-from-a-replica check (replica-restore.mjs) too, which
// needs a lab remote. It manages e2e-vol through the API if it is not managed yet (and stops
// managing it again afterwards), runs the checks and ends with `e2e: N passed, M failed`.
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { replicaRestoreCheck } from './replica-restore.mjs';
import { restoreCheck } from './restore.mjs';
import {
  DESKTOP,
  TIMEOUT,
  adminPassword,
  assert,
  base,
  check,
  executablePath,
  finish,
  logIn,
  primaryRoot,
  recordFailure,
  shotDir,
  volPath,
  watch,
} from './support.mjs';

async function main() {
  if (!base || !primaryRoot.startsWith('/') || !existsSync(volPath) || !adminPassword) {
    console.log('FAIL preflight: set DIST_BTRFS_URL, E2E_PRIMARY_ROOT (holding e2e-vol) and DIST_BTRFS_ADMIN_PASSWORD');
    recordFailure();
    finish();
  }
  mkdirSync(shotDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    watch(page, problems);
    await page.goto(`${base}/`);
    await logIn(page);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    const me = await (await page.request.get(`${base}/api/v1/auth/me`)).json();
    const headers = { 'X-CSRF-Token': me.csrf_token };
    const subvolumes = (await (await page.request.get(`${base}/api/v1/subvolumes`)).json()).items;
    let subvolume = subvolumes.find((s) => s.path === volPath && s.managed);
    const managedHere = !subvolume;
    if (!subvolume) {
      const servers = (await (await page.request.get(`${base}/api/v1/servers`)).json()).items;
      const primary = servers.find((s) => s.role === 'primary');
      assert(primary, 'no primary server');
      const res = await page.request.post(`${base}/api/v1/subvolumes`, {
        headers,
        data: { server_id: primary.id, path: volPath, snapshot_dir: `${primaryRoot}/.snapshots` },
      });
      assert(res.ok(), `managing e2e-vol answered ${res.status()}: ${await res.text()}`);
      subvolume = await res.json();
    }

    await check('Restore: browse a snapshot of e2e-vol, enter a directory, restore it as a new subvolume', () =>
      restoreCheck(page, `${base}/subvolumes/${subvolume.id}`),
    );
    if (process.argv.includes('--replica')) {
      await check('Restore from a replica: verify a replica, lose its snapshot on the primary, bring it back incrementally', () =>
        replicaRestoreCheck(page, subvolume),
      );
    }
    if (managedHere) await page.request.delete(`${base}/api/v1/subvolumes/${subvolume.id}`, { headers });
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
