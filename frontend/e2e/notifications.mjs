// The notifications check of the browser test: a webhook channel is created from the
// Notifications page against a real HTTP receiver run here; the signing key shown once
// verifies the HMAC-SHA256 signature of the test message the channel's "Test" sends
// (through serve's job queue); the delivery is listed as delivered; a rule over the
// channel is created and muted; removing the channel is refused while the rule uses it;
// both are removed again.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { assert, eventually, navLink, shot, suffix, textOf } from './support.mjs';

/** An HTTP server on a free loopback port that records each request; answers 200. */
async function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { got, port: server.address().port, close: () => server.close() };
}

/** Runs the check on `page` (logged in as the admin). */
export async function notificationsCheck(page) {
  const hook = await receiver();
  const name = `e2e-hook-${suffix}`;
  const ruleName = `e2e-rule-${suffix}`;
  try {
    await navLink(page, 'Notifications').click();
    await page.getByRole('heading', { name: 'Notifications', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'New channel' }).click();
    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('URL').fill(`http://127.0.0.1:${hook.port}/hook`);
    await form.getByRole('button', { name: 'Create channel' }).click();
    const key = await textOf(page.getByTestId('signing-key'));
    assert(/^[0-9a-f]{64}$/.test(key), `signing key: ${key}`);
    await shot(page, 'notifications-key-1280');
    await page.getByRole('button', { name: `Send a test to ${name}` }).click();
    const request = await eventually(async () => hook.got[0], 'the receiver got no test message', 30_000);
    const want = `sha256=${createHmac('sha256', key).update(request.body).digest('hex')}`;
    assert(request.headers['x-dist-btrfs-signature-256'] === want, `signature ${request.headers['x-dist-btrfs-signature-256']} is not ${want}`);
    assert(JSON.parse(request.body.toString()).notice === 'test', `body: ${request.body}`);
    await eventually(
      async () => (await page.locator('[data-testid="delivery-row"][data-notice="test"][data-state="delivered"]').count()) > 0,
      'the test delivery is not listed as delivered',
      30_000,
    );
    await page.getByRole('button', { name: 'New rule' }).click();
    const ruleForm = page.getByRole('form', { name: 'New alert rule' });
    await ruleForm.getByLabel('Name').fill(ruleName);
    await ruleForm.getByRole('button', { name: 'Create rule' }).click();
    const rule = page.locator(`[data-testid="rule-row"][data-rule-name="${ruleName}"]`);
    await rule.waitFor();
    await ruleForm.waitFor({ state: 'hidden' });
    // The switch's input is covered by its track: click the input itself.
    await page.getByRole('switch', { name: `Mute ${ruleName}` }).dispatchEvent('click');
    await eventually(async () => (await rule.getAttribute('data-muted')) === 'true', 'the rule is not muted');
    await shot(page, 'notifications-1280');
  } finally {
    hook.close();
  }
  // Removing the channel is refused while the rule uses it; then both go.
  await page.getByRole('button', { name: `Remove ${name}` }).click();
  const confirm = page.getByRole('dialog', { name: `Remove channel ${name}?` });
  assert((await textOf(confirm)).includes(`It is used by ${ruleName}`), 'the dialog does not name the rule');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: `Remove rule ${ruleName}` }).click();
  await page.getByRole('dialog', { name: `Remove rule ${ruleName}?` }).getByRole('button', { name: 'Remove rule' }).click();
  await eventually(async () => (await page.locator(`[data-rule-name="${ruleName}"]`).count()) === 0, 'the rule is still listed');
  await page.getByRole('button', { name: `Remove ${name}` }).click();
  await page.getByRole('dialog', { name: `Remove channel ${name}?` }).getByRole('button', { name: 'Remove channel' }).click();
  await eventually(async () => (await page.locator(`[data-channel-name="${name}"]`).count()) === 0, 'the channel is still listed');
}
