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
      const sizes = [];
      let visibleAt = Infinity;
      page.on('requestfinished', (req) => {
        const at = Date.now();
        sizes.push(req.sizes().then((s) => ({ type: req.resourceType(), bytes: s.responseBodySize, at, url: req.url() })));
      });
      const started = Date.now();
      await page.goto(`${base}/`, { waitUntil: 'commit' });
      await page.locator('[data-testid="fleet-status"]').waitFor({ timeout: 30_000 });
      visibleAt = Date.now();
      const visibleMs = visibleAt - started;
      await page.waitForLoadState('networkidle');
      const all = await Promise.all(sizes);
      const scripts = all.filter((s) => s.type === 'script');
      // The JS of the first paint: what had arrived when the status showed.
      const js = scripts.filter((s) => s.at <= visibleAt).reduce((n, s) => n + s.bytes, 0);
      const jsAfterIdle = scripts.reduce((n, s) => n + s.bytes, 0);
      const total = all.reduce((n, s) => n + s.bytes, 0);
      const slowest = all
        .filter((s) => s.at <= visibleAt)
        .map((s) => ({ url: s.url.replace(base, ''), ms: s.at - started }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3);
      console.log(JSON.stringify({ encoding, visibleMs, jsBytes: js, jsAfterIdle, totalBytes: total, requests: all.length, slowest }));
      await ctx.close();
    }
  }
} finally {
  await browser.close();
}
