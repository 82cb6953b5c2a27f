// The Overview's fleet status in the replication check: a target never replicated is a
// problem row naming its directory (and the verdict is not healthy); once its
// replication succeeded the row is gone and the verdict is what GET /status says.
import { assert, base, eventually, textOf } from './support.mjs';

/** The status rows about replication to `dir`. */
export function statusRowsFor(page, dir) {
  return page.locator('[data-testid="status-problem"][data-kind^="replication_"]').filter({ hasText: dir });
}

/** On the Overview: `dir`'s target is listed as never replicated, and nothing says healthy. */
export async function expectListedAsNever(page, dir) {
  const row = statusRowsFor(page, dir);
  await row.waitFor();
  assert((await row.getAttribute('data-kind')) === 'replication_never', 'the status row is not "never replicated"');
  const verdict = page.getByTestId('fleet-status');
  assert((await verdict.getAttribute('data-status')) !== 'ok', 'the fleet status is ok with a target never replicated');
  assert((await textOf(verdict)) !== 'All healthy', 'the overview says "All healthy" with a target never replicated');
}

/** On the Overview: nothing about `dir`'s target any more, and the verdict equals the API's. */
export async function expectCleared(page, dir, targetId) {
  await eventually(async () => (await statusRowsFor(page, dir).count()) === 0, 'the fleet status still lists the replicated target', 60_000);
  const fleet = await (await page.request.get(`${base}/api/v1/status`)).json();
  assert(!fleet.problems.some((p) => p.target_id === targetId), `GET /status still lists the target: ${JSON.stringify(fleet)}`);
  await eventually(async () => (await page.getByTestId('fleet-status').getAttribute('data-status')) === fleet.status,
    `the overview's verdict differs from GET /status (${fleet.status})`, 60_000);
}
