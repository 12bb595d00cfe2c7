/**
 * The dashboard's finish (issue 17, item 6) in Chromium: tabs driven by the arrow keys, a title
 * per page, skeletons while loading, explained error pages and the connection-lost banner, toasts
 * with Undo after deleting and suspending (one system or many), the one-time secret dialog asking
 * before it closes, the heartbeat hint taken from the organization's timeout, and labels set at
 * creation. A real Muster process (embedded database) and Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { wallToInstant, zoneName } from '../../web/src/time.ts';
import { eventually } from '../helpers/eventually.ts';
import { REPO_ROOT, startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';
import { chromiumSkip, launchChromium } from '../helpers/chromium.ts';

const ADMIN_TOKEN = 'e2e-admin-token-console-polish-0123456789';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');

interface ApiSystem {
  id: string;
  name: string;
  state: string;
  suspended: boolean;
  deleted: boolean;
  labels: Record<string, string>;
}

describe('console polish: tabs, titles, skeletons, explained errors, undo toasts, the secret dialog, in Chromium', { skip: chromiumSkip }, () => {
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let organizationId: string;
  const ids = new Map<string, string>();

  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${muster.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  const systemNamed = (name: string) => call<ApiSystem>('GET', `/api/v1/systems/${ids.get(name)!}`);
  const toast = (text: string | RegExp) => page.getByTestId('toast').filter({ hasText: text });

  before(async () => {
    ensureDashboardBuilt();
    await mkdir(SCREENSHOTS, { recursive: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-polish-'));
    muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'info' });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: muster.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The row menu and the bulk bar confirm suspend and delete with window.confirm.
    page.on('dialog', (dialog) => void dialog.accept());

    // 30 minutes, not the server's default: the heartbeat hint must say so.
    organizationId = (await call<{ id: string }>('POST', '/api/v1/organizations', { name: 'branch-east', heartbeat_timeout_seconds: 1800 })).id;
    for (const name of ['web-01', 'db-01', 'bulk-1', 'bulk-2', 'bulk-3']) {
      const created = await call<{ id: string }>('POST', '/api/v1/systems', { name, type: 'ns8', organization_id: organizationId });
      ids.set(name, created.id);
    }
  });

  after(async () => {
    await browser?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('signs in, shows a skeleton while the overview loads, and titles every page', async () => {
    // Hold the first counts back a moment, so the skeleton can be seen.
    await page.route('**/api/v1/summary**', async (route) => {
      await sleep(1500);
      await route.continue();
    });
    await page.goto(`${muster.url}/`);
    await page.getByText('Bootstrap: sign in with the admin token').click();
    assert.equal(await page.title(), 'Sign in · Muster');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    const skeleton = page.getByTestId('skeleton').first();
    await skeleton.waitFor();
    assert.equal(await skeleton.getAttribute('aria-busy'), 'true');
    assert.equal(await skeleton.getByRole('status').textContent(), 'Loading…');
    await page.getByTestId('total-systems').filter({ hasText: '5' }).waitFor();
    await eventually(async () => (await page.getByTestId('skeleton').count()) === 0, 'the skeletons to give way to the data', 5000);
    await page.unroute('**/api/v1/summary**');
    assert.equal(await page.title(), 'Fleet overview · Muster');

    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [link, title] of [
      ['Systems', 'Systems · Muster'],
      ['Alerts', 'Alerts · Muster'],
      ['Members', 'Members · Muster'],
      ['Heartbeat daemon', 'Heartbeat daemon · Muster'],
      ['Audit log', 'Audit log · Muster'],
    ] as const) {
      await nav.getByRole('link', { name: link }).click();
      await eventually(async () => (await page.title()) === title, `the title ${title}`, 5000);
    }
  });

  it("moves between a system page's tabs with the arrow keys, Home and End, the URL, panel and title following", async () => {
    const id = ids.get('web-01')!;
    await page.goto(`${muster.url}/systems/${id}`);
    const overview = page.getByRole('tab', { name: 'Overview' });
    await overview.waitFor();
    assert.equal(await page.title(), 'web-01 · Overview · Muster');
    // Roving tab index: only the selected tab is a tab stop.
    assert.deepEqual(await page.getByRole('tab').evaluateAll((tabs) => tabs.map((tab) => tab.getAttribute('tabindex'))), [
      '0',
      '-1',
      '-1',
      '-1',
      '-1',
      '-1',
      '-1',
    ]);
    await overview.focus();

    const expectTab = async (name: string, url: RegExp) => {
      await page.waitForURL(url);
      const tab = page.getByRole('tab', { name, exact: true });
      // The router renders a URL change in a transition: the URL may come a moment before the tab.
      await page.getByRole('tab', { name, exact: true, selected: true }).waitFor();
      assert.equal(await tab.getAttribute('aria-selected'), 'true');
      assert.equal(await tab.getAttribute('tabindex'), '0');
      assert.equal(await tab.evaluate((element) => element === element.ownerDocument.activeElement), true, `${name} has the focus`);
      const panel = page.getByRole('tabpanel');
      assert.equal(await panel.getAttribute('aria-labelledby'), await tab.getAttribute('id'));
      assert.equal(await tab.getAttribute('aria-controls'), await panel.getAttribute('id'));
      assert.equal(await page.getByRole('tab', { name: 'Overview' }).getAttribute('tabindex'), name === 'Overview' ? '0' : '-1');
    };
    await page.keyboard.press('ArrowRight');
    await expectTab('Liveness', new RegExp(`/systems/${id}/liveness$`));
    await eventually(async () => (await page.title()) === 'web-01 · Liveness · Muster', 'the Liveness title', 5000);
    await page.keyboard.press('ArrowRight');
    await expectTab('Metrics', /\/metrics$/);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expectTab('Overview', new RegExp(`/systems/${id}$`));
    // Left from the first wraps to the last.
    await page.keyboard.press('ArrowLeft');
    await expectTab('Backups', /\/backups$/);
    await page.keyboard.press('Home');
    await expectTab('Overview', new RegExp(`/systems/${id}$`));
    await page.keyboard.press('End');
    await expectTab('Backups', /\/backups$/);
    await page.keyboard.press('ArrowRight');
    await expectTab('Overview', new RegExp(`/systems/${id}$`));
    // Three to the left of Overview, pressed faster than the router follows.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expectTab('Changes', /\/changes$/);
    await eventually(async () => (await page.title()) === 'web-01 · Changes · Muster', 'the Changes title', 5000);
    await page.getByRole('tabpanel').getByRole('heading').first().waitFor();
  });

  it("states the organization's heartbeat timeout where the system page says how often to send one", async () => {
    await page.getByRole('tab', { name: 'Overview' }).click();
    assert.equal(await page.getByTestId('heartbeat-hint').textContent(), "(expected every 10 minutes: the organization's timeout is 30 minutes)");
    await page.getByRole('tab', { name: 'Liveness' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: "Send one every 10 minutes or so: the organization's timeout is 30 minutes, after which a silent system turns inactive." })
      .waitFor();
  });

  it('explains an unknown or malformed system id and an unknown page, with links back', async () => {
    await page.goto(`${muster.url}/systems/not-a-system`);
    const notFound = page.getByTestId('system-not-found');
    await notFound.getByRole('heading', { name: 'System not found' }).waitFor();
    assert.match((await notFound.textContent())!, /not-a-system is not a system id/);
    assert.equal(await page.title(), 'System not found · Muster');
    assert.equal(await page.getByRole('alert').filter({ hasText: 'Something went wrong' }).count(), 0, 'no raw error');

    const unknown = randomUUID();
    await page.goto(`${muster.url}/systems/${unknown}/changes`);
    await notFound.waitFor();
    assert.match(
      (await notFound.textContent())!,
      new RegExp(`No system with the id ${unknown} exists that you can see.*destroyed.*organization you cannot see`),
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'system-not-found.png'), fullPage: true });
    await notFound.getByRole('link', { name: 'Back to the systems list' }).click();
    await page.waitForURL(/\/systems$/);
    await page.getByRole('link', { name: 'web-01' }).waitFor();

    await page.goto(`${muster.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/no/such/page', 'no longer redirected to the overview');
    assert.equal(await page.title(), 'Page not found · Muster');
    await page.getByRole('link', { name: 'Go to the systems list' }).click();
    await page.getByRole('link', { name: 'web-01' }).waitFor();
  });

  it('shows the connection-lost banner with the time of the data kept on screen, and drops it once requests succeed', async () => {
    const rows = page.locator('tbody tr');
    await page.getByTestId('systems-total').filter({ hasText: '5 systems' }).waitFor();
    const before = Date.now();
    await page.route('**/api/v1/**', (route) => route.abort('internetdisconnected'));
    const banner = page.getByTestId('connection-lost');
    // The list refreshes every 3 s: its next request fails.
    await banner.waitFor({ timeout: 10_000 });
    const text = (await banner.textContent())!;
    assert.match(text, /^Connection lost — showing data from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(last updated .+\)/);
    // The time shown is when the list last loaded: within the seconds before the connection went.
    // The one format of absolute times, in the browser's zone (the default choice); the machine's zone is UTC.
    const [date, clock, zone] = (await page.getByTestId('connection-last-updated').textContent())!.split(' ');
    assert.equal(zone, zoneName(Intl.DateTimeFormat().resolvedOptions().timeZone));
    const shown = wallToInstant(`${date}T${clock}`, Intl.DateTimeFormat().resolvedOptions().timeZone)!;
    assert.ok(shown.getTime() <= Date.now() && shown.getTime() >= before - 5000, `data from ${shown.toISOString()}`);
    assert.equal(await rows.count(), 5, 'the last data stays on screen');
    assert.equal(await page.getByRole('alert').filter({ hasText: 'Something went wrong' }).count(), 0, 'the banner, not an error box per query');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'connection-lost.png'), fullPage: true });

    await page.unroute('**/api/v1/**');
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await rows.count(), 5);
  });

  it('deletes a system from its row menu and brings it back with the Undo of the toast', async () => {
    await page.getByLabel('Actions for db-01').click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const deleted = toast('Deleted db-01.');
    await deleted.waitFor();
    assert.equal(await deleted.getAttribute('role'), 'status');
    await page.getByRole('link', { name: 'db-01' }).waitFor({ state: 'detached' });
    assert.equal((await systemNamed('db-01')).deleted, true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'toast-undo.png') });
    await deleted.getByRole('button', { name: 'Undo' }).click();
    await toast('Restored db-01.').waitFor();
    assert.equal((await systemNamed('db-01')).deleted, false);
    await page.getByRole('link', { name: 'db-01' }).waitFor();
    await toast('Restored db-01.').getByRole('button', { name: 'Dismiss' }).click();
    await toast('Restored db-01.').waitFor({ state: 'detached' });
  });

  it('suspends a system from its page and reactivates it with Undo', async () => {
    await page.getByRole('link', { name: 'web-01' }).click();
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('.page-head .badge').filter({ hasText: 'suspended' }).waitFor();
    assert.equal((await systemNamed('web-01')).suspended, true);
    await toast('Suspended web-01.').getByRole('button', { name: 'Undo' }).click();
    await toast('Reactivated web-01.').waitFor();
    assert.equal((await systemNamed('web-01')).suspended, false);
    await page.locator('.page-head .badge').filter({ hasText: 'suspended' }).waitFor({ state: 'detached' });
  });

  it('undoes a bulk suspend (reactivate) and a bulk delete (restore, one by one)', async () => {
    // One already suspended: Undo must leave it suspended.
    await call('POST', `/api/v1/systems/${ids.get('bulk-3')!}/suspend`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
    for (const name of ['bulk-1', 'bulk-2', 'bulk-3']) await page.getByRole('checkbox', { name: `Select ${name}` }).check();
    const bar = page.getByRole('region', { name: 'Selected systems' });
    await bar.getByRole('button', { name: 'Suspend' }).click();
    await bar.getByTestId('bulk-outcome').filter({ hasText: 'Suspended: 2 changed, 1 already so.' }).waitFor();
    assert.deepEqual(await Promise.all(['bulk-1', 'bulk-2'].map(async (name) => (await systemNamed(name)).suspended)), [true, true]);
    await toast('Suspended 2 systems.').getByRole('button', { name: 'Undo' }).click();
    await toast('Reactivated 2 systems.').waitFor();
    assert.deepEqual(
      await Promise.all(['bulk-1', 'bulk-2', 'bulk-3'].map(async (name) => (await systemNamed(name)).suspended)),
      [false, false, true],
      'only what the bulk change suspended is reactivated',
    );

    await bar.getByRole('button', { name: 'Delete' }).click();
    await toast('Deleted 3 systems.').getByRole('button', { name: 'Undo' }).click();
    await toast('Restored 3 systems.').waitFor();
    for (const name of ['bulk-1', 'bulk-2', 'bulk-3']) assert.equal((await systemNamed(name)).deleted, false, `${name} restored`);
    await page.getByRole('link', { name: 'bulk-3' }).waitFor();
  });

  it('keeps a toast while it is hovered and hides it about 10 s after the pointer leaves', async () => {
    await page.getByLabel('Actions for db-01').click();
    await page.locator('.row-menu[open]').getByRole('button', { name: 'Suspend' }).click();
    const suspended = toast('Suspended db-01.');
    await suspended.hover();
    await sleep(11_000);
    assert.equal(await suspended.isVisible(), true, 'held while hovered');
    await page.mouse.move(5, 5);
    const left = Date.now();
    await suspended.waitFor({ state: 'detached', timeout: 12_000 });
    assert.ok(Date.now() - left >= 9000, `hid ${Date.now() - left} ms after the pointer left`);
    await call('POST', `/api/v1/systems/${ids.get('db-01')!}/reactivate`);
  });

  it('creates a system with labels (checked as the API checks them), its secret dialog asking before it closes uncopied', async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Create system' }).click();
    const create = page.getByRole('dialog', { name: 'Create a system' });
    await create.getByLabel('Name').fill('labelled');
    await create.getByLabel('Organization').selectOption({ label: 'branch-east' });
    await create.getByRole('button', { name: 'Add label' }).click();
    await create.getByLabel('Key of label 1').fill('bad key!');
    await create.getByText('Keys are 1 to 63 letters, digits or the characters _ . - /.').waitFor();
    assert.equal(await create.getByRole('button', { name: 'Create', exact: true }).isDisabled(), true);
    await create.getByLabel('Key of label 1').fill('env');
    await create.getByLabel('Value of label 1').fill('prod');
    await create.getByRole('button', { name: 'Add label' }).click();
    await create.getByLabel('Key of label 2').fill('env');
    await create.getByText('The key env is given twice.').waitFor();
    await create.getByLabel('Key of label 2').fill('site');
    await create.getByLabel('Value of label 2').fill('branch-7');
    await create.getByRole('button', { name: 'Create', exact: true }).click();

    const secretDialog = page.getByRole('dialog', { name: 'Credentials for labelled' });
    // Once the organization is read, the heartbeat's label gives its timeout.
    await secretDialog.getByText("Heartbeat (every 10 minutes: the organization's timeout is 30 minutes)").waitFor();
    assert.deepEqual(await secretDialog.locator('.command-head span').allTextContents(), [
      'Register (once)',
      "Heartbeat (every 10 minutes: the organization's timeout is 30 minutes)",
      'Inventory',
    ]);
    const listed = await call<{ items: ApiSystem[] }>('GET', '/api/v1/systems?search=labelled');
    assert.deepEqual(listed.items[0]!.labels, { env: 'prod', site: 'branch-7' });

    // Done, then Escape: each asks first; going back keeps the dialog and the secret.
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    const confirm = secretDialog.getByRole('alertdialog', { name: 'Close without copying the secret?' });
    await confirm.getByText('You have not copied the secret.').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'secret-confirm-close.png') });
    await confirm.getByRole('button', { name: 'Go back to the secret' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await secretDialog.isVisible(), true);
    await page.keyboard.press('Escape');
    await confirm.waitFor();
    assert.equal(await secretDialog.isVisible(), true, 'Escape asked instead of closing');
    await confirm.getByRole('button', { name: 'Go back to the secret' }).click();
    // A click on the backdrop asks too.
    await page.mouse.click(5, 5);
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Go back to the secret' }).click();
    assert.ok((await secretDialog.getByTestId('system-secret').textContent())!.length > 20, 'the secret still shown');

    // Once copied, Done closes at once.
    await secretDialog.getByRole('button', { name: 'Copy secret' }).click();
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    await secretDialog.waitFor({ state: 'detached' });

    // And closing uncopied, when confirmed, closes.
    await page.getByRole('link', { name: 'labelled' }).click();
    await page.getByRole('button', { name: 'Regenerate secret' }).click();
    const again = page.getByRole('dialog', { name: 'Credentials for labelled' });
    await again.getByRole('button', { name: 'Done' }).click();
    await again.getByRole('button', { name: 'Close without copying' }).click();
    await again.waitFor({ state: 'detached' });
  });
});
