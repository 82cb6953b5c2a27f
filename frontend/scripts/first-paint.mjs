#!/usr/bin/env node
// The dashboard's first paint, measured in Chromium with a cold cache (a fresh browser
// context with only the session cookie): the time from navigating to `/` until the
// Overview shows the fleet status (data from the API, not a loader), and the bytes the
// page transferred: the JavaScript that had arrived by then (the first paint's), all
// JavaScript once the page is idle (lazy charts included), everything. Run twice: as a browser asks
// (`Accept-Encoding: gzip, deflate, br`) and with `identity` (no compression, the JS as
// it is on disk). Used by ops/bench/frontend; prints one JSON line per run.
//   node scripts/first-paint.mjs BASE_URL USER PASSWORD [RUNS]
import { chromium } from 'playwright-core';

const [base, username, password, runsArg] = process.argv.slice(2);
if (!base || !username || !password) {
  console.error('usage: first-paint.mjs BASE_URL USER PASSWORD [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
});
try {
  const login = await browser.newContext();
  const res = await login.request.post(`${base}/api/v1/auth/login`, { data: { username, password } });
  if (!res.ok()) throw new Error(`login answered ${res.status()}: ${await res.text()}`);
  const storageState = await login.storageState();
  await login.close();

  for (const encoding of ['gzip, deflate, br', 'identity']) {
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ storageState, extraHTTPHeaders: { 'Accept-Encoding': encoding } });
      const page = await ctx.newPage();
      // In the page: the moment the status shows (a MutationObserver, not a poll), and
      // the resource timings (encoded sizes: what crossed the wire).
      await page.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (document.querySelector('[data-testid="fleet-status"]')) {
            window.__statusAt = performance.now();
            observer.disconnect();
          }
        }).observe(document, { subtree: true, childList: true });
      });
      await page.goto(`${base}/`, { waitUntil: 'commit' });
      await page.locator('[data-testid="fleet-status"]').waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      const m = await page.evaluate(() => {
        const at = window.__statusAt;
        const res = performance.getEntriesByType('resource').map((e) => ({
          url: e.name,
          end: e.responseEnd,
          bytes: e.encodedBodySize,
          js: /\.js(\?|$)/.test(e.name),
        }));
        const nav = performance.getEntriesByType('navigation')[0];
        return { at, res, doc: nav ? nav.encodedBodySize : 0 };
      });
      const visibleMs = Math.round(m.at);
      const js = m.res.filter((r) => r.js && r.end <= m.at).reduce((n, r) => n + r.bytes, 0);
      const jsAfterIdle = m.res.filter((r) => r.js).reduce((n, r) => n + r.bytes, 0);
      const total = m.doc + m.res.reduce((n, r) => n + r.bytes, 0);
      const slowest = m.res
        .filter((r) => r.end <= m.at)
        .map((r) => ({ url: r.url.replace(base, ''), ms: Math.round(r.end) }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3);
      const all = m.res;
      console.log(JSON.stringify({ encoding, visibleMs, jsBytes: js, jsAfterIdle, totalBytes: total, requests: all.length, slowest }));
      await ctx.close();
    }
  }
} finally {
  await browser.close();
}
