// The browse-and-restore check of the browser test (called by dashboard.e2e.mjs, and run
// alone by restore.e2e.mjs): a snapshot of e2e-vol with a directory in it is browsed on its
// page, the directory entered, its Diff section compared with a snapshot taken just before
// the directory was written (the directory and its file are listed as added), the Restore
// dialog's rollback confirmation checked (disabled until the subvolume's name is typed;
// nothing is rolled back), and a `new_subvolume` restore to a fresh path under
// E2E_PRIMARY_ROOT followed until it succeeded; the copy is checked on disk and on the
// Restores page. Everything it made is removed again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { assert, base, eventually, primaryRoot, shot, suffix, textOf, volPath } from './support.mjs';

/** Runs the check on `page` (logged in as an operator or admin) for the managed e2e-vol at `subvolumeUrl`. */
export async function restoreCheck(page, subvolumeUrl) {
  assert(subvolumeUrl, 'no managed subvolume');
  const subvolumeId = subvolumeUrl.split('/').pop();
  const dir = `${volPath}/e2e-restore-${suffix}`;
  const dest = `${primaryRoot}/e2e-restored-${suffix}`;
  const content = `restored by the browser test ${suffix}\n`;
  let snapshot = null;
  let before = null;
  const api = async (method, path) => {
    const me = await (await page.request.get(`${base}/api/v1/auth/me`)).json();
    const res = await page.request.fetch(`${base}/api/v1${path}`, { method, headers: { 'X-CSRF-Token': me.csrf_token } });
    assert(res.ok(), `${method} ${path} answered ${res.status()}: ${await res.text()}`);
    return res.json();
  };
  try {
    // the snapshot compared with: taken before the directory exists (a second apart, so
    // that it is the one before by creation time)
    before = await api('POST', `/subvolumes/${subvolumeId}/snapshots`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/hello.txt`, content);
    snapshot = await api('POST', `/subvolumes/${subvolumeId}/snapshots`);

    // the snapshot's page from its row; its top directory, then the directory
    await page.goto(subvolumeUrl);
    await page.locator('[aria-label="Snapshots"]').getByRole('link', { name: snapshot.name, exact: true }).click();
    await page.waitForURL(`${base}/subvolumes/${subvolumeId}/snapshots/${snapshot.id}`);
    await page.getByRole('heading', { name: snapshot.name }).waitFor();
    const entry = (name) => page.locator(`[data-testid="tree-entry"][data-name="${name}"]`);
    await entry(`e2e-restore-${suffix}`).waitFor();
    assert((await entry(`e2e-restore-${suffix}`).getAttribute('data-kind')) === 'directory', 'the directory is not listed as one');
    await page.getByRole('button', { name: `Open e2e-restore-${suffix}` }).click();
    await entry('hello.txt').waitFor();
    const crumbs = await textOf(page.getByRole('navigation', { name: 'Directory' }));
    assert(crumbs.includes(`e2e-restore-${suffix}`), `the breadcrumb says ${crumbs}`);
    assert((await textOf(entry('hello.txt'))).includes('-rw-r--r--'), `hello.txt row: ${await textOf(entry('hello.txt'))}`);
    const href = await entry('hello.txt').getByRole('link', { name: 'Download hello.txt' }).getAttribute('href');
    const download = await page.request.get(`${base}${href}`);
    assert(download.ok() && (await download.text()) === content, `the download answered ${download.status()}`);
    await shot(page, 'snapshot-files-1280');

    // the Diff section: by default against the snapshot before, which lacks the directory
    const diff = page.getByRole('region', { name: 'Diff' });
    const against = diff.getByRole('combobox', { name: /Compare with/ });
    await against.waitFor();
    await eventually(async () => (await against.inputValue()) === before.id, `Diff does not compare with ${before.name} by default`);
    const added = diff.locator(`[data-testid="diff-change"][data-kind="added"][data-path="e2e-restore-${suffix}/hello.txt"]`);
    await added.waitFor();
    assert((await textOf(diff.getByTestId('diff-count'))).includes(`from ${before.name} to ${snapshot.name}`), 'the diff does not name both snapshots');
    await diff.getByText(/^added \(\d+\)$/).click();
    assert((await diff.locator('[data-testid="diff-change"]:not([data-kind="added"])').count()) === 0, 'the added filter shows other kinds');
    await shot(page, 'snapshot-diff-1280');

    // the dialog: a rollback needs the name typed; then a new subvolume
    await page.getByRole('button', { name: 'Restore…' }).click();
    const dialog = page.getByRole('dialog', { name: `Restore from ${snapshot.name}` });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'Rollback' }).check();
    const rollback = dialog.getByRole('button', { name: 'Roll back e2e-vol' });
    assert(await rollback.isDisabled(), 'Roll back is enabled before the name is typed');
    await dialog.getByRole('textbox', { name: 'Type e2e-vol to confirm' }).fill('e2e-vo');
    assert(await rollback.isDisabled(), 'Roll back is enabled with a wrong name');
    await dialog.getByRole('textbox', { name: 'Type e2e-vol to confirm' }).fill('e2e-vol');
    assert(await rollback.isEnabled(), 'Roll back stays disabled with the name typed');
    await shot(page, 'restore-rollback-dialog-1280', { fullPage: false });
    await dialog.getByRole('radio', { name: 'New subvolume' }).check();
    await dialog.getByRole('textbox', { name: /Destination path/ }).fill(dest);
    const summary = await textOf(dialog.getByTestId('restore-summary'));
    assert(summary.includes(dest), `the summary does not name ${dest}: ${summary}`);
    await dialog.getByRole('button', { name: 'Make the new subvolume' }).click();
    const progress = dialog.getByTestId('restore-progress');
    await progress.waitFor();
    await eventually(async () => (await progress.getAttribute('data-state')) === 'succeeded', 'the restore did not succeed', 60_000);
    assert(readFileSync(`${dest}/e2e-restore-${suffix}/hello.txt`, 'utf8') === content, `${dest} does not hold the file`);
    await shot(page, 'restore-succeeded-1280', { fullPage: false });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // the Restores page lists it
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Restores', exact: true }).click();
    await page.waitForURL(`${base}/restores`);
    const row = page.locator('[data-testid="restore-row"][data-mode="new_subvolume"]').filter({ hasText: dest });
    await row.first().waitFor();
    assert((await row.first().getAttribute('data-state')) === 'succeeded', 'the Restores page does not say succeeded');
    await shot(page, 'restores-1280');
  } finally {
    if (existsSync(dest)) execFileSync('btrfs', ['subvolume', 'delete', dest], { stdio: 'ignore' });
    if (snapshot) await api('DELETE', `/snapshots/${snapshot.id}?subvolume_id=${subvolumeId}`);
    if (before) await api('DELETE', `/snapshots/${before.id}?subvolume_id=${subvolumeId}`);
    rmSync(dir, { recursive: true, force: true });
  }
}
