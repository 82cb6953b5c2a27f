// The event search check of the browser test: the Events page searches on the server
// (an event type chosen in the form), the search lands in the URL and survives a
// reload, the loaded rows export as JSON (a real download) holding only that type, and
// Clear brings the whole timeline back.
import { readFileSync } from 'node:fs';
import { assert, eventually } from './support.mjs';

export async function eventsSearchCheck(page) {
  const rows = page.getByTestId('event-row');
  const form = page.getByRole('form', { name: 'Search events' });
  await form.getByRole('textbox', { name: 'Event types' }).fill('InstanceRenamed');
  await form.getByRole('textbox', { name: 'Event types' }).press('Enter');
  await form.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/[?&]q=kind%3AInstanceRenamed/);
  const onlyRenamed = async () => {
    const types = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-event-type')));
    return types.length > 0 && types.every((t) => t === 'InstanceRenamed');
  };
  await eventually(onlyRenamed, 'the search did not narrow the rows to InstanceRenamed');
  await page.reload();
  await eventually(onlyRenamed, 'the search did not survive a reload');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert(exported.length > 0 && exported.every((e) => e.event_type === 'InstanceRenamed'), `exported: ${exported.map((e) => e.event_type)}`);
  await page.getByRole('button', { name: 'Clear the search' }).click();
  await eventually(async () => !(await onlyRenamed()), 'Clear did not bring the whole timeline back');
}
