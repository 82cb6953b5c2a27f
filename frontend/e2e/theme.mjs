// The dark theme check of the browser test: the toggle switches the color scheme (the
// page's background changes), the choice survives a reload, and the main pages are shot
// dark; it switches back to light at the end.
import { assert, base, eventually, navLink, shot } from './support.mjs';

export async function darkThemeCheck(page, subvolumeUrl) {
  await page.goto(`${base}/`);
  await page.getByTestId('health-status').waitFor();
  const scheme = () => page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
  assert((await scheme()) === 'light', `starts as ${await scheme()}`);
  const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await eventually(async () => (await scheme()) === 'dark', 'did not switch to dark');
  const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert(darkBg !== lightBg, `background stayed ${lightBg}`);
  await page.reload();
  await page.getByTestId('health-status').waitFor();
  assert((await scheme()) === 'dark', 'dark theme not kept after reload');
  await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
  await shot(page, 'overview-dark-1280');
  await navLink(page, 'Events').click();
  await page.locator('[aria-label="Audit timeline"]').waitFor();
  await shot(page, 'events-dark-1280');
  if (subvolumeUrl) {
    await page.goto(subvolumeUrl);
    await page.getByTestId('snapshots-count').waitFor();
    await shot(page, 'subvolume-dark-1280');
  }
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await eventually(async () => (await scheme()) === 'light', 'did not switch back to light');
}
