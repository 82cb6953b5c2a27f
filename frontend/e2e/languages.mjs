// The languages check of the browser test (issue 24, point 8): from the account menu the
// dashboard switches to Russian, Serbian (Latin) and Chinese (Simplified); the sidebar and
// the menu say what those languages' locale files say, dates and byte sizes are written the
// locale's way (as the browser's own Intl writes them), the choice survives a reload, the
// longest language still fits a phone's width, and it switches back to English at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, base, eventually, frontendDir, shot } from './support.mjs';

/** A namespace's strings in a language, straight from the file the dashboard ships. */
const strings = (code, ns) => JSON.parse(readFileSync(join(frontendDir, 'src/i18n/locales', code, `${ns}.json`), 'utf8'));

/** Byte sizes as each language writes them: its decimal separator and unit names. */
const BYTES = {
  ru: /\d+(,\d+)? (КиБ|МиБ|ГиБ|ТиБ)/,
  'sr-Latn': /\d+,\d+ (KiB|MiB|GiB|TiB)/,
  'zh-Hans': /\d+\.\d+ (KiB|MiB|GiB|TiB)/,
};

const lang = (page) => page.evaluate(() => document.documentElement.lang);

async function choose(page, code) {
  await page.getByTestId('account-menu').click();
  await page.getByTestId(`language-${code}`).click();
  await eventually(async () => (await lang(page)) === code, `the page did not switch to ${code}`);
}

/** The sidebar shows every page under its name in `code`. */
async function expectSidebarIn(page, code) {
  const labels = Object.values(strings(code, 'layout').nav);
  const nav = page.getByRole('navigation').first();
  for (const label of labels) {
    await nav.getByRole('link', { name: label, exact: true }).waitFor();
  }
}

/** Every timestamp on the page reads as the browser writes that instant in `code`. */
async function expectDatesIn(page, code) {
  const wrong = await page.evaluate((code) => {
    const iso = /^\d{4}-\d\d-\d\dT/;
    // the Time component's output: its title is the ISO instant, its text that instant formatted
    const shown = [...document.querySelectorAll('[data-time]')].filter((e) => iso.test(e.getAttribute('title')));
    const bad = shown
      .map((e) => ({ text: e.textContent, want: new Date(e.getAttribute('title')).toLocaleString(code, { dateStyle: 'medium', timeStyle: 'medium' }) }))
      .filter((d) => d.text !== d.want);
    return { count: shown.length, bad: bad.slice(0, 3) };
  }, code);
  assert(wrong.count > 0, `no timestamp on ${page.url()} to check`);
  assert(wrong.bad.length === 0, `timestamps not in ${code}: ${JSON.stringify(wrong.bad)}`);
}

export async function languagesCheck(page, subvolumeUrl) {
  await page.goto(`${base}/`);
  await page.getByTestId('health-status').waitFor();
  assert((await lang(page)) === 'en', `starts in ${await lang(page)}`);
  for (const code of ['ru', 'sr-Latn', 'zh-Hans']) {
    await choose(page, code);
    await expectSidebarIn(page, code);
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: strings(code, 'layout').account.logout }).waitFor();
    await page.keyboard.press('Escape');
    await shot(page, `overview-${code}-1280`);
    if (subvolumeUrl) {
      await page.goto(subvolumeUrl);
      await page.getByTestId('snapshots-count').waitFor();
      await expectDatesIn(page, code);
      const text = await page.locator('main').innerText();
      assert(BYTES[code].test(text), `no byte size written the ${code} way on the subvolume page`);
      await shot(page, `subvolume-${code}-1280`);
      await page.goto(`${base}/`);
    }
  }
  // the choice is kept: a reload comes back in Chinese
  await page.reload();
  await eventually(async () => (await lang(page)) === 'zh-Hans', 'the language was not kept over a reload');
  await expectSidebarIn(page, 'zh-Hans');

  // Russian runs longest: the pages still fit a phone
  await choose(page, 'ru');
  const desktop = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  for (const url of [`${base}/`, subvolumeUrl, `${base}/servers`, `${base}/replication`, `${base}/policies`].filter(Boolean)) {
    await page.goto(url);
    await page.getByRole('heading', { level: 2 }).first().waitFor();
    // the live stream keeps a request open (no "network idle"): give late cards a moment
    await page.waitForTimeout(800);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 390, `${url} is ${width}px wide at 390px in Russian`);
  }
  await shot(page, 'policies-ru-390');
  if (desktop) await page.setViewportSize(desktop);

  await choose(page, 'en');
  await expectSidebarIn(page, 'en');
  await page.getByTestId('account-menu').click();
  await page.getByRole('menuitem', { name: 'Log out' }).waitFor();
  await page.keyboard.press('Escape');
}
