/**
 * An organization's settings in Chromium (issue 17, item 4): liveness thresholds in seconds with
 * their units in words, the API's refusals next to the fields, the monitoring agents' settings, a
 * read-only view for a viewer; webhooks (the secret once, a test delivery that a local receiver
 * gets, signed; deletion); the job queues with a dead job's error and its retry; backup usage
 * against the organization quota after an upload; and each page at 360 px without sideways
 * scrolling. A real Muster process (embedded database) and Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeStateManager, type FakeStateManager } from '../helpers/fake-state-manager.ts';
import { REPO_ROOT, startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';
import { expectedSignature, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { chromiumSkip, launchChromium, signInWithAdminToken } from '../helpers/chromium.ts';

const ADMIN_TOKEN = 'e2e-admin-token-settings-0123456789';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const NOTIFICATIONS = 'heartbeat-daemon-notifications';
const XNAME = 'x9c0s0b0n0';

interface OrganizationAnswer {
  id: string;
  heartbeat_timeout_seconds: number | null;
  heartbeat_warning_seconds: number | null;
  effective_heartbeat_timeout_seconds: number;
  effective_heartbeat_warning_seconds: number;
}

describe('organization settings, webhooks, jobs and backup usage in Chromium', { skip: chromiumSkip }, () => {
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let stateManager: FakeStateManager;
  let organization: OrganizationAnswer;
  const viewerEmail = 'viewer@settings.example';

  async function call<T>(method: string, route: string, body?: unknown, authorization = `Bearer ${ADMIN_TOKEN}`): Promise<T> {
    const binary = Buffer.isBuffer(body);
    const response = await fetch(`${muster.url}${route}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': binary ? 'application/octet-stream' : 'application/json' }) },
      ...(body === undefined ? {} : { body: binary ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }
  const stored = () => call<OrganizationAnswer>('GET', `/api/v1/organizations/${organization.id}`);
  const deadJobs = async () => (await call<{ items: { id: string; error: unknown }[] }>('GET', `/api/v1/jobs/${NOTIFICATIONS}/dead`)).items;

  before(async () => {
    ensureDashboardBuilt();
    await mkdir(SCREENSHOTS, { recursive: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-settings-'));
    muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'info', LIVENESS_SCAN_INTERVAL_MS: '250', BACKUP_MAX_SIZE_PER_ORG: '1MB' });
    receiver = await startWebhookReceiver();
    stateManager = await startFakeStateManager();
    browser = await launchChromium();

    organization = await call<OrganizationAnswer>('POST', '/api/v1/organizations', { name: 'Settings e2e' });
    const viewer = await call<{ id: string }>('POST', '/api/v1/users', { email: viewerEmail, name: 'The viewer', password: PASSWORD });
    await call('PUT', `/api/v1/organizations/${organization.id}/members/${viewer.id}`, { role: 'viewer' });

    // A dead job: a node's first heartbeat is relayed to a state manager that fails, with no retries
    // (the node's organization keeps it active all day, so nothing else is sent).
    const hpc = await call<{ id: string }>('POST', '/api/v1/organizations', {
      name: 'HPC e2e',
      heartbeat_timeout_seconds: 86_400,
      heartbeat_warning_seconds: 0,
    });
    await call('PATCH', `/api/v1/organizations/${hpc.id}/heartbeat-daemon/params`, { Sm_url: stateManager.url, Sm_retries: '0' });
    const daemon = await call<{ key: string }>('POST', `/api/v1/organizations/${hpc.id}/api-keys`, { name: 'e2e daemon', scopes: ['heartbeat-daemon'] });
    stateManager.answer(500);
    await call('POST', '/hmi/v1/heartbeat', { Component: XNAME, Status: 'OK', Timestamp: new Date().toISOString() }, `Bearer ${daemon.key}`);
    await eventually(async () => (await deadJobs()).length === 1, 'the notification to be dead', 30_000);
  });

  after(async () => {
    await browser?.close();
    await receiver?.close();
    await stateManager?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  /** The questions pages asked (confirmations), and whether the next are refused. */
  const dialogs: string[] = [];
  let dismissDialogs = false;

  /** A fresh context signed in with the admin token, the organization chosen in the switcher. */
  async function asAdmin(width = 1360): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void (dismissDialogs ? dialog.dismiss() : dialog.accept());
    });
    await signInWithAdminToken(page, muster.url, ADMIN_TOKEN);
    await page.getByLabel('Organization').selectOption({ label: 'Settings e2e' });
    return page;
  }
  const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
  const settingsNav = (page: Page) => page.getByRole('navigation', { name: 'Organization settings' });

  it('stores changed thresholds, says them in words, and shows a refused change next to its field without losing it', async () => {
    const page = await asAdmin();
    await nav(page).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings of Settings e2e' }).waitFor();
    // Nothing uploaded yet: the quota meter at zero and the empty state.
    await page.getByText('No backups yet').waitFor();
    assert.equal(await page.getByTestId('organization-backup-usage').textContent(), '0 B of 1.0 MiB (0.0 %)');

    const timeout = page.getByLabel('Timeout (seconds)');
    const warning = page.getByLabel('Warning (seconds)');
    assert.equal(await timeout.inputValue(), '', 'inherited: empty');
    await timeout.fill('900');
    await warning.fill('300');
    assert.equal(await page.getByTestId('heartbeat_timeout_seconds-words').textContent(), '= 15 min');
    assert.equal(await page.getByTestId('heartbeat_warning_seconds-words').textContent(), '= 5 min');
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: timeout 15 min, warning 5 min.' }).waitFor();
    assert.equal(await page.getByTestId('heartbeat_timeout_seconds-in-force').textContent(), '15 min (900 s)');
    const saved = await stored();
    assert.deepEqual(
      [saved.heartbeat_timeout_seconds, saved.heartbeat_warning_seconds, saved.effective_heartbeat_timeout_seconds, saved.effective_heartbeat_warning_seconds],
      [900, 300, 900, 300],
    );

    // The API's validation: a timeout of 0 is refused, the message next to the field, the draft kept.
    await timeout.fill('0');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.getByTestId('heartbeat_timeout_seconds-error').filter({ hasText: 'Timeout: must be >= 1' }).waitFor();
    assert.equal(await timeout.getAttribute('aria-invalid'), 'true');
    assert.equal(await timeout.inputValue(), '0', 'the refused value is still there to correct');
    await page.getByRole('alert').filter({ hasText: 'heartbeat_timeout_seconds' }).waitFor();
    // The service's rule: the warning must come before the timeout.
    await timeout.fill('600');
    await warning.fill('600');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.getByTestId('heartbeat_warning_seconds-error').filter({ hasText: 'Warning: must be lower than the timeout' }).waitFor();
    await shot(page, 'settings-refused');
    assert.equal((await stored()).heartbeat_timeout_seconds, 900, 'nothing was saved');
    // Leaving with unsaved changes asks first; refused, the page and the typed value stay.
    dismissDialogs = true;
    await nav(page).getByRole('link', { name: 'Members' }).click();
    dismissDialogs = false;
    assert.match(dialogs.at(-1) ?? '', /unsaved changes will be lost/);
    assert.equal(new URL(page.url()).pathname, '/settings');
    assert.equal(await timeout.inputValue(), '600');
    await page.getByRole('button', { name: 'Undo threshold changes' }).click();
    assert.equal(await timeout.inputValue(), '900');
    assert.equal(await page.getByTestId('heartbeat_timeout_seconds-error').count(), 0);

    // Emptying a threshold inherits the global default again.
    await warning.fill('');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.getByRole('status').filter({ hasText: 'warning the global default' }).waitFor();
    assert.equal((await stored()).heartbeat_warning_seconds, null);

    // The monitoring agents' staleness.
    await page.getByLabel('Down after (seconds)').fill('120');
    await page.getByLabel('Public views (answer without an API key)').check();
    await page.getByRole('button', { name: 'Save monitoring settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Monitoring settings saved.' }).waitFor();
    assert.deepEqual(await call('GET', `/api/v1/organizations/${organization.id}/monitoring/settings`), { stale_threshold_seconds: 120, public_views: true });
    await shot(page, 'settings');
    await page.context().close();
  });

  it('shows a viewer the settings read-only, without the admins’ pages', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${muster.url}/`);
    await page.getByLabel('Email').fill(viewerEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    assert.equal(await nav(page).getByRole('link', { name: 'Jobs' }).count(), 0);
    await nav(page).getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('heartbeat_timeout_seconds-in-force').filter({ hasText: '15 min (900 s)' }).waitFor();
    assert.equal(await page.getByTestId('stale-threshold').textContent(), '2 min (120 s)');
    assert.equal(await page.getByRole('textbox').count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Save/ }).count(), 0);
    await page.getByText("The organization's admins and owners change these.").waitFor();
    assert.deepEqual(await settingsNav(page).getByRole('link').allTextContents(), ['Settings', 'Members', 'Heartbeat daemon']);
    await page.context().close();
  });

  it('adds a webhook with its secret shown once, sends a test delivery the receiver gets signed, and deletes it', async () => {
    const page = await asAdmin();
    await nav(page).getByRole('link', { name: 'Settings' }).click();
    await settingsNav(page).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks of Settings e2e' }).waitFor();
    await page.getByText('No webhooks').waitFor();

    await page.getByLabel('Delivery URL').fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByText('Delivery URL: must use http or https').waitFor();

    await page.getByLabel('Delivery URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('e2e receiver');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent())!;
    assert.ok(secret.length >= 20, secret);
    const listed = await call<{ items: { id: string; url: string; description: string }[] }>('GET', `/api/v1/organizations/${organization.id}/webhooks`);
    assert.deepEqual(
      listed.items.map((webhook) => [webhook.url, webhook.description]),
      [[receiver.url, 'e2e receiver']],
    );

    await page.getByRole('button', { name: 'Send test delivery to e2e receiver' }).click();
    await page.getByTestId('webhook-test-result').filter({ hasText: 'Delivered: the receiver answered HTTP 204.' }).waitFor();
    const delivery = await eventually(() => receiver.received.find((received) => JSON.parse(received.body).event === 'test'), 'the test delivery');
    assert.equal(JSON.parse(delivery.body).alert.organization_id, organization.id);
    assert.equal(delivery.signature, expectedSignature(delivery.body, secret), 'signed with the secret shown');

    // A receiver that is not there: the failure in words.
    await page.getByLabel('Delivery URL').fill('http://127.0.0.1:1/nobody');
    await page.getByLabel('Description (optional)').fill('nobody home');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('button', { name: 'Send test delivery to nobody home' }).click();
    await page
      .getByTestId('webhook-test-result')
      .filter({ hasText: /^Not delivered: / })
      .waitFor();
    await shot(page, 'webhooks');

    await page.getByRole('button', { name: 'Delete webhook e2e receiver' }).click();
    assert.equal(dialogs.at(-1), `Delete the webhook to ${receiver.url}? Alerts are no longer sent there.`);
    await page.getByRole('button', { name: 'Delete webhook nobody home' }).click();
    await page.getByText('No webhooks').waitFor();
    assert.deepEqual((await call<{ items: unknown[] }>('GET', `/api/v1/organizations/${organization.id}/webhooks`)).items, []);
    await page.context().close();
  });

  it('lists the queues, shows a dead job with its error, and retries it', async () => {
    const page = await asAdmin();
    await nav(page).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Background jobs' }).waitFor();
    // The heading shows before the queues have loaded: wait for a row before reading them all.
    await page.locator('table.queues tbody th', { hasText: NOTIFICATIONS }).first().waitFor();
    const queues = await page.locator('table.queues tbody th').allTextContents();
    assert.ok(queues.includes(NOTIFICATIONS) && queues.length >= 4, queues.join(', '));
    await page.getByRole('button', { name: `Dead jobs of ${NOTIFICATIONS}: 1` }).click();
    await page.getByRole('heading', { name: `Dead jobs of ${NOTIFICATIONS}` }).waitFor();
    assert.match(page.url(), new RegExp(`queue=${NOTIFICATIONS}`));
    const [dead] = await deadJobs();
    const item = page.getByRole('listitem', { name: `Dead job ${dead!.id}` });
    assert.equal(await item.getByTestId('dead-job-error').textContent(), 'Error: state manager answered 500');
    await item.getByText('Job data').click();
    assert.match((await item.locator('pre').textContent())!, new RegExp(XNAME));
    await shot(page, 'jobs-dead');

    stateManager.answer(204);
    const callsBefore = stateManager.calls.length;
    await item.getByRole('button', { name: `Retry job ${dead!.id}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Job ${dead!.id} sent back to ${NOTIFICATIONS}` })
      .waitFor();
    await page.getByText('No dead jobs').waitFor();
    await page.getByRole('button', { name: `Dead jobs of ${NOTIFICATIONS}: 0` }).waitFor();
    assert.deepEqual(await deadJobs(), []);
    const delivered = await eventually(() => stateManager.delivered().find((received) => JSON.stringify(received.body).includes(XNAME)), 'the retried call');
    assert.ok(stateManager.calls.length > callsBefore);
    assert.deepEqual((delivered.body as { ComponentIDs: string[] }).ComponentIDs, [XNAME]);
    await page.context().close();
  });

  it('shows backup usage against the organization quota after a system uploads a backup', async () => {
    const system = await call<{ id: string; system_key: string; system_secret: string }>('POST', '/api/v1/systems', {
      name: 'backed-up',
      organization_id: organization.id,
    });
    await call('POST', '/api/systems/register', { system_secret: system.system_secret }, '');
    const basic = `Basic ${Buffer.from(`${system.system_key}:${system.system_secret}`).toString('base64')}`;
    await call('POST', '/api/systems/backups', randomBytes(300 * 1024), basic);

    const page = await asAdmin();
    await nav(page).getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('organization-backup-usage').filter({ hasText: '300.0 KiB of 1.0 MiB (29.3 %)' }).waitFor();
    assert.equal(await page.getByRole('meter', { name: 'Organization quota' }).getAttribute('aria-valuenow'), String(300 * 1024));
    assert.equal(await page.getByTestId('system-backup-usage-backed-up').textContent(), '300.0 KiB of 500.0 MiB (< 0.1 %)');
    await page.getByRole('meter', { name: 'backed-up (1 of 10 backups)' }).waitFor();
    const usage = await call<{ organizations: { bytes: number }[]; limits: { organization_quota_bytes: number } }>(
      'GET',
      `/api/v1/backups/usage?organization_id=${organization.id}`,
    );
    assert.deepEqual([usage.organizations[0]!.bytes, usage.limits.organization_quota_bytes], [300 * 1024, 1024 ** 2]);
    await shot(page, 'settings-backup-usage');
    await page.context().close();
  });

  it('fits each page in 360 px without scrolling sideways', async () => {
    const page = await asAdmin(360);
    for (const [route, heading] of [
      ['/settings', 'Settings of Settings e2e'],
      ['/webhooks', 'Webhooks of Settings e2e'],
      [`/jobs?queue=${NOTIFICATIONS}`, 'Background jobs'],
    ] as const) {
      await page.goto(`${muster.url}${route}`);
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.waitForFunction("document.querySelector('.loading') === null");
      const widths = await page.evaluate<{ scroll: number; client: number }>(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      );
      assert.ok(widths.scroll <= widths.client, `${route}: ${widths.scroll} px wide in ${widths.client} px`);
      await shot(page, `narrow${route.split('?')[0]!.replaceAll('/', '-')}`);
    }
    await page.context().close();
  });
});
