// Configuration and helpers of the dashboard e2e test (dashboard.e2e.mjs): the
// environment it reads, pass/fail counting, polling, log-in, screenshots and the watch on
// console errors and foreign requests.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const frontendDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const base = (process.env.DIST_BTRFS_URL ?? '').replace(/\/+$/, '');
export const shotDir = resolve(frontendDir, process.env.E2E_SCREENSHOT_DIR ?? '../test-artifacts/screenshots');
export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TIMEOUT = 15_000;
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const adminUser = process.env.DIST_BTRFS_ADMIN_USER ?? 'admin';
export const serveLog = resolve(frontendDir, process.env.E2E_SERVE_LOG ?? '../test-artifacts/logs/e2e-serve.log');
export const adminPassword = process.env.DIST_BTRFS_ADMIN_PASSWORD || passwordFromServeLog();

/** The generated first-admin password that `serve` prints once, if its log is at hand. */
export function passwordFromServeLog() {
  if (!existsSync(serveLog)) return '';
  const escaped = adminUser.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = new RegExp(`first start: admin login: ${escaped} / (\\S+)\\s*$`, 'm');
  const match = readFileSync(serveLog, 'utf8').match(line);
  if (match?.[1] && match[1] !== '(the') return match[1];
  return '';
}
export const primaryRoot = (process.env.E2E_PRIMARY_ROOT ?? '').replace(/\/+$/, '');
export const volPath = `${primaryRoot}/e2e-vol`;
export const remoteEnv = {
  addr: process.env.E2E_REMOTE_ADDR ?? process.env.LAB_REMOTE1_ADDR ?? '',
  port: process.env.E2E_REMOTE_PORT ?? process.env.LAB_REMOTE1_PORT ?? '22',
  user: process.env.E2E_REMOTE_USER ?? process.env.LAB_SSH_USER ?? '',
  password: process.env.E2E_REMOTE_PASSWORD ?? process.env.LAB_SSH_PASSWORD ?? '',
  fpr: process.env.E2E_REMOTE_FPR ?? process.env.LAB_REMOTE1_HOSTKEY_FPR ?? '',
  root: process.env.E2E_REMOTE_ROOT ?? process.env.LAB_REMOTE_MOUNT ?? '',
  targetDir: process.env.E2E_REMOTE_TARGET_DIR ?? process.env.LAB_REMOTE_TARGET_DIR ?? '',
  key: process.env.E2E_REMOTE_KEY ?? process.env.LAB_SSH_KEY ?? '',
};

/** Runs a command on the lab remote over OpenSSH (key auth); returns stdout. */
export function onRemote(command) {
  return execFileSync(
    'ssh',
    ['-i', remoteEnv.key, '-p', String(remoteEnv.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', `${remoteEnv.user}@${remoteEnv.addr}`, command],
    { encoding: 'utf8', timeout: 60_000 },
  );
}
export const suffix = Math.random().toString(36).slice(2, 8);
export const PAGE = 50; // the Events page's page size (TIMELINE_PAGE_SIZE in src/api/queries.ts)

let passed = 0;
let failed = 0;

/** Counts a failure outside `check` (a setup error). */
export function recordFailure() {
  failed += 1;
}

export function finish() {
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

export async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    const message = error instanceof Error ? error.message : String(error);
    console.log(`FAIL ${name}\n     ${message.split('\n').join('\n     ')}`);
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Polls `fn` until it returns a truthy value, else fails with `message`. */
export async function eventually(fn, message, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${message} (last seen: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function textOf(locator) {
  await locator.waitFor({ state: 'visible', timeout: TIMEOUT });
  return ((await locator.textContent()) ?? '').trim();
}

/** Logs in through the login page (shown at any address without a session). */
export async function logIn(page, password = adminPassword) {
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByRole('textbox', { name: 'User name' }).fill(adminUser);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The events timeline: a table on wide screens, a list on phones. */
export function timeline(page) {
  return page.locator('[aria-label="Audit timeline"]');
}

/** A link in the sidebar (pages link to each other too, e.g. "All events"). */
export function navLink(page, name) {
  return page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name, exact: true });
}

export async function shot(page, name, { fullPage = true } = {}) {
  // let fonts/transitions settle (Mantine's theme and navbar transitions are ~200 ms)
  await page.waitForTimeout(300);
  const path = join(shotDir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  console.log(`     screenshot ${path}`);
}

/** HTTP statuses a check provokes on purpose (their console errors are not problems). */
export const expectedStatuses = new Set();

/** Records console errors, page errors and requests to any other origin. */
export function watch(page, problems) {
  const origin = new URL(base).origin;
  page.on('console', (msg) => {
    // 401s are expected: /auth/me before logging in, the wrong-password attempt; other
    // statuses only while a check provokes them on purpose (expectStatus)
    const status = msg.text().match(/status of (\d{3})/)?.[1];
    if (msg.type() === 'error' && status !== '401' && !expectedStatuses.has(status)) {
      problems.push(`console error on ${page.url()}: ${msg.text()}`);
    }
  });
  // The request behind a console error: which call failed and what the server said.
  page.on('response', async (res) => {
    const status = String(res.status());
    if (res.status() < 400 || status === '401' || expectedStatuses.has(status)) return;
    const body = await res.text().catch(() => '');
    problems.push(`HTTP ${status} for ${res.request().method()} ${res.url()}: ${body.slice(0, 300)}`);
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('data:') && new URL(url).origin !== origin) problems.push(`request to another origin: ${url}`);
  });
}
