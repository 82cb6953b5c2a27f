// The dashboard e2e's last clean-up, through the API as the logged-in page: the policy
// (unassigned first), the extra snapshots the checks took, and a remote a failed check left.
import { existsSync } from 'node:fs';
import { assert, base, suffix } from './support.mjs';

export async function cleanUpLeftovers(page, { policyUrl, subvolumeUrl, extraSnapshots }) {
  const me = await (await page.request.get(`${base}/api/v1/auth/me`)).json();
  const headers = { 'X-CSRF-Token': me.csrf_token };
  const del = (path) => page.request.delete(`${base}/api/v1${path}`, { headers });
  if (policyUrl && subvolumeUrl) await del(`/subvolumes/${subvolumeUrl.split('/').pop()}/policy`);
  if (policyUrl) assert((await del(`/policies/${policyUrl.split('/').pop()}`)).ok(), 'could not delete the policy');
  for (const snap of extraSnapshots) {
    const res = await del(`/snapshots/${snap.id}?subvolume_id=${snap.subvolume_id}`);
    if (!res.ok()) {
      // The scheduler runs the assigned policy meanwhile: its prune may have deleted
      // the snapshot first (409 "already deleted"). Gone is what this step wants.
      const now = await (await page.request.get(`${base}/api/v1/snapshots/${snap.id}`)).json();
      assert(now.state !== 'present', `could not delete ${snap.name}: ${res.status()}`);
    }
    assert(!existsSync(snap.path), `${snap.path} is still on disk`);
  }
  const servers = (await (await page.request.get(`${base}/api/v1/servers`)).json()).items;
  for (const s of servers.filter((s) => s.name === `e2e-remote-${suffix}`)) await del(`/servers/${s.id}`);
}
