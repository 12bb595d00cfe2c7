/**
 * The dashboard end to end: a real Muster process (embedded database, under BASE_PATH) serving
 * the built dashboard, driven in Debian's headless Chromium by playwright-core, while the
 * appliance side talks to the same process over HTTP. Screenshots of the main pages go to
 * artifacts/screenshots/ (not committed).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { genericInventory } from '../fixtures/sample-inventories.ts';
import { REPO_ROOT, startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const BASE_PATH = '/collect';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');
const LIVE_TIMEOUT_MS = 5000;

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

describe('operator dashboard in Chromium', { skip: chromiumMissing ? `${CHROMIUM} not installed (apt-get install chromium)` : false }, () => {
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let created: { key: string; secret: string; basic: string };

  before(async () => {
    ensureDashboardBuilt();
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-'));
    muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, BASE_PATH, LOG_LEVEL: 'info', LIVENESS_SCAN_INTERVAL_MS: '500' });
    base = `${muster.url}${BASE_PATH}/`;
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1360, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: muster.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const appliance = (route: string, init: RequestInit) => fetch(`${base}api/systems/${route}`, init);
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('refuses a wrong token and signs in with the admin token', async () => {
    await page.goto(base);
    // Email and password come first; the admin token is the bootstrap option below them.
    await page.getByText('Bootstrap: sign in with the admin token').click();
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    assert.equal(await page.getByTestId('total-systems').textContent(), '0');
    await shot('overview-empty');
  });

  it('creates a system, shows its secret once with a working copy button and ready-to-paste commands', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
    await page.getByRole('button', { name: 'Create system' }).click();
    await page.getByRole('dialog', { name: 'Create a system' }).getByLabel('Name').fill('e2e-appliance');
    await page.getByLabel('Type (optional)').fill('ns8');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = (await page.getByTestId('system-secret').textContent())!;
    const key = (await page.getByTestId('system-key').textContent())!;
    assert.match(key, /^NETH-/);
    assert.ok(secret.length > 20);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), secret);
    const commands = await page.locator('.command pre').allTextContents();
    assert.equal(commands.length, 3);
    assert.ok(commands[0]!.includes(`${base}api/systems/register`) && commands[0]!.includes(secret));
    assert.ok(commands[1]!.includes(`-u '${key}:${secret}'`));
    await shot('system-created');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row').filter({ hasText: 'e2e-appliance' }).waitFor();
    await shot('systems');
    created = { key, secret, basic: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` };
  });

  it('turns the system active without a reload once the appliance registers and sends a heartbeat', async () => {
    await page.getByRole('link', { name: 'e2e-appliance' }).click();
    await page.getByTestId('system-status').filter({ hasText: 'Unknown' }).waitFor();
    await page.evaluate('window.notReloaded = true');

    const registered = await appliance('register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ system_secret: created.secret }),
    });
    assert.equal(registered.status, 200);
    const heartbeat = await appliance('heartbeat', {
      method: 'POST',
      headers: { authorization: created.basic, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(heartbeat.status, 200);

    await page.getByTestId('system-status').filter({ hasText: 'Active' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await page.evaluate<boolean>('window.notReloaded === true'), true);
    await shot('system-overview');
    await page.getByRole('tab', { name: 'Liveness' }).click();
    await page.locator('.strip .span-active').first().waitFor();
    await shot('system-liveness');
  });

  it('finds the change between two inventories in the timeline with its severity, and filters by it', async () => {
    const previous = genericInventory() as { os: { version: string }; services: { nginx: { version: string } }; features: Record<string, unknown> };
    previous.os.version = '9.2';
    previous.services.nginx.version = '1.23.0';
    delete previous.features.docker;
    for (const inventory of [previous, genericInventory()]) {
      const response = await appliance('inventory', {
        method: 'POST',
        headers: { authorization: created.basic, 'content-type': 'application/json' },
        body: JSON.stringify(inventory),
      });
      assert.equal(response.status, 202);
      // Each is processed before the next arrives, so the second is diffed against the first.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const records = (await (
          await fetch(`${base}api/v1/systems/${await systemId()}/inventory`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
        ).json()) as { total: number };
        if (records.total >= (inventory === previous ? 1 : 2)) break;
        assert.ok(Date.now() < deadline, 'inventory was not processed in time');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    await page.getByRole('tab', { name: 'Changes' }).click();
    const osChange = page.locator('.change').filter({ hasText: 'os.version' });
    await osChange.waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await osChange.getAttribute('data-severity'), 'high');
    assert.match((await osChange.locator('.change-values').textContent())!, /9\.2\s*→\s*9\.3/);
    await page.locator('.change').filter({ hasText: 'services.nginx.version' }).waitFor();
    await shot('system-changes');

    await page.getByRole('checkbox', { name: 'high' }).check();
    await page.locator('.change').filter({ hasText: 'services.nginx.version' }).waitFor({ state: 'detached' });
    const severities = await page.locator('.change').evaluateAll((items) => items.map((item) => item.getAttribute('data-severity')));
    assert.ok(severities.length >= 1);
    assert.deepEqual([...new Set(severities)], ['high']);

    await page.getByRole('tab', { name: 'Inventory' }).click();
    await page.getByRole('heading', { name: 'Latest snapshot' }).waitFor();
    await page.getByLabel('Search the snapshot').fill('nginx');
    await page.locator('.tree summary.hit').filter({ hasText: 'nginx' }).waitFor();
    await page.getByLabel('Search the snapshot').fill('1.24.0');
    await page.locator('.tree .leaf.hit').filter({ hasText: 'version' }).waitFor();

    // The two records side by side: only the differences, the older on the left.
    for (const box of await page.getByRole('checkbox', { name: /^Compare the record of/ }).all()) await box.check();
    const osRow = page.locator('.compare tr.changed').filter({ hasText: 'os.version' });
    await osRow.waitFor();
    assert.deepEqual(await osRow.locator('td').allTextContents(), ['os.version', '"9.2"', '"9.3"']);
    assert.equal(await page.locator('.compare tr.added').filter({ hasText: 'features.docker.version' }).count(), 1);
    assert.equal(await page.locator('.compare tbody tr').filter({ hasText: 'hardware.cpu_cores' }).count(), 0, 'unchanged paths hidden');
    await shot('system-inventory');
  });

  it('lists an uploaded backup and downloads it byte for byte', async () => {
    const content = Buffer.from(`backup made by the end-to-end test ${Date.now()}\n`.repeat(100));
    const uploaded = await appliance('backups', {
      method: 'POST',
      headers: {
        authorization: created.basic,
        'content-type': 'application/octet-stream',
        'x-filename': 'e2e-backup.tar.gz',
        'content-length': String(content.length),
      },
      body: content,
    });
    assert.equal(uploaded.status, 201, await uploaded.clone().text());

    await page.getByRole('tab', { name: 'Backups' }).click();
    const row = page.getByRole('row').filter({ hasText: 'e2e-backup.tar.gz' });
    await row.waitFor();
    assert.match((await page.getByTestId('backup-usage').textContent())!, /^1 backup, /);
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
    assert.equal(download.suggestedFilename(), 'e2e-backup.tar.gz');
    const saved = await download.path();
    assert.deepEqual(await readFile(saved), content);
    await shot('system-backups');
  });

  it('regenerates the secret, suspends and reactivates the system from its page', async () => {
    page.on('dialog', (dialog) => void dialog.accept());
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Regenerate secret' }).click();
    const secret = (await page.getByTestId('system-secret').textContent())!;
    assert.notEqual(secret, created.secret);
    // Not copied: closing asks first.
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Close without copying' }).click();
    const beat = (basic: string) => appliance('heartbeat', { method: 'POST', headers: { authorization: basic }, body: '{}' });
    assert.equal((await beat(created.basic)).status, 401, 'the old secret stops working');
    created = { ...created, secret, basic: `Basic ${Buffer.from(`${created.key}:${secret}`).toString('base64')}` };
    assert.equal((await beat(created.basic)).status, 200);

    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('.page-head .badge').filter({ hasText: 'suspended' }).waitFor();
    assert.equal((await beat(created.basic)).status, 401, 'a suspended system is refused');
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.locator('.page-head .badge').filter({ hasText: 'suspended' }).waitFor({ state: 'detached' });
    assert.equal((await beat(created.basic)).status, 200);
  });

  it('exports the filtered system list as CSV', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
    await page.getByLabel('Search').fill('e2e-app');
    await page.waitForURL(/search=e2e-app/);
    // The type filter offers the types the fleet has: here only the one system's, with its count.
    await page.getByText('Type: any').click();
    const typeFilter = page.locator('.multi-select').filter({ hasText: 'Type:' }).getByRole('checkbox');
    await typeFilter.first().waitFor();
    assert.deepEqual(await page.locator('.multi-select').filter({ hasText: 'Type:' }).locator('fieldset label').allTextContents(), ['ns8 (1)']);
    await typeFilter.check();
    await page.waitForURL(/type=ns8/);
    await page.keyboard.press('Escape');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'systems.csv');
    const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^id,name,type,status,/);
    assert.match(lines[1]!, /,e2e-appliance,ns8,active,/);
  });

  it('shows the live fleet counts on the overview and signs out', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('count-active').filter({ hasText: '1' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    // Each recent change names its system and links to its changes.
    await page.locator('.changes .change').first().getByRole('link', { name: 'e2e-appliance' }).waitFor();
    await shot('overview');
    await page.getByRole('button', { name: /^Switch to (dark|light) theme$/ }).click();
    await shot('overview-other-theme');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').waitFor();
    assert.equal(await page.evaluate<number>('sessionStorage.length'), 0);
  });

  async function systemId(): Promise<string> {
    const response = await fetch(`${base}api/v1/systems?search=e2e-appliance`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = (await response.json()) as { items: { id: string }[] };
    return body.items[0]!.id;
  }
});
