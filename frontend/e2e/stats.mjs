// The numbers the dashboard shows about servers, subvolumes and schedules, checked in the
// browser test: a server's reachability and usage bar (from the storage collection), a
// subvolume's "Last 7 days" and the filesystems it involves (with quotas off on the lab
// primary: sizes say so instead of 0), and a policy's next scheduled snapshot in the
// browser's zone, the same on the list and on the subvolume.
import { assert, base, eventually, shot, textOf } from './support.mjs';

/** On the Servers list: `row`'s server is reachable, with a usage bar and a last contact. */
export async function expectReachableWithUsage(page, row) {
  // Reachability and usage come from the storage collection (made at start, then periodically).
  const reach = row.locator('[data-reach]');
  await eventually(async () => {
    if ((await reach.getAttribute('data-reach')) === 'reachable') return true;
    await page.reload();
    return false;
  }, 'the primary is not shown as reachable', 60_000);
  const bar = row.getByTestId('usage-bar');
  const used = Number(await bar.getAttribute('data-percent'));
  assert(used >= 0 && used <= 100, `the primary's usage bar says ${used}%`);
  assert(/(<1|\d+)% of [\d.]+ [KMGT]iB used/.test(await textOf(bar)), `the usage bar's text: ${await textOf(bar)}`);
  assert(/last contact/.test(await textOf(row)), `no last contact: ${await textOf(row)}`);
}

/** On the subvolume's page, with the snapshot `snapshotName` just made. */
export async function subvolumeStatsCheck(page, { subvolumeUrl, snapshotName, snapshotRows }) {
  assert(subvolumeUrl && snapshotName, 'no snapshot was created');
  const row = snapshotRows(page).and(page.locator(`[data-name="${snapshotName}"]`));
  assert((await textOf(row)).includes('unknown – quotas off'), `the snapshot's size: ${await textOf(row)}`);
  const me = await (await page.request.get(`${base}/api/v1/auth/me`)).json();
  const servers = (await (await page.request.get(`${base}/api/v1/servers`)).json()).items;
  const primaryId = servers.find((x) => x.name === 'primary')?.id;
  const collected = await page.request.post(`${base}/api/v1/servers/${primaryId}/storage/collect`, { headers: { 'X-CSRF-Token': me.csrf_token } });
  assert(collected.ok(), `collect: ${collected.status()}`);
  await page.reload();
  const history = page.getByTestId('subvolume-history');
  await history.getByTestId('growth-referenced').filter({ hasText: 'unknown – quotas off' }).waitFor();
  const snapshots = await textOf(history.getByTestId('growth-snapshots'));
  assert(/snapshots\/day|not enough history yet/.test(snapshots), `snapshot growth: ${snapshots}`);
  const cards = page.getByTestId('subvolume-filesystems').getByTestId('storage-card');
  await cards.first().waitFor();
  assert((await cards.count()) === 1, `filesystems involved: ${await cards.count()} cards for a subvolume without targets`);
  await shot(page, 'subvolume-stats-1280');
}

/** The hourly policy's next snapshot on its list row: the next full hour, in the
 *  browser's zone (named), then prune; the subvolume page at `subvolumeUrl` shows the same slot. */
export async function expectNextHourlySnapshot(page, policyRow, subvolumeUrl) {
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const next = policyRow.getByTestId('next-snapshot');
  const nextText = await textOf(next);
  assert(nextText.includes(`(${zone}), then prune`), `the next snapshot: ${nextText}`);
  const nextAt = Date.parse((await next.getAttribute('title')) ?? '');
  const ahead = nextAt - Date.now();
  assert(ahead > 0 && ahead <= 3_600_000 && nextAt % 3_600_000 === 0, `the next hourly slot is ${new Date(nextAt).toISOString()}`);
  await page.goto(subvolumeUrl);
  const onSubvolume = page.getByTestId('next-snapshot').first();
  await onSubvolume.waitFor();
  assert(Date.parse((await onSubvolume.getAttribute('title')) ?? '') === nextAt, 'the subvolume page shows another next snapshot');
}
