/**
 * The overview's Needs attention in Chromium (issue 17, item 1): a seeded fleet of three
 * organizations — systems gone inactive on short real timeouts, one late, one with a critical and
 * one with a high change alert, a suspended and a deleted one — ranked worst first, one row per
 * system with its reasons, counts that add up, the full list on its own page, and the versions
 * per type. A real Muster process (embedded database) and Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { genericInventory } from '../fixtures/sample-inventories.ts';
import { eventually } from '../helpers/eventually.ts';
import { REPO_ROOT, startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'e2e-admin-token-overview-0123456789';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

describe(
  'overview: needs attention, worst first, in Chromium',
  { skip: chromiumMissing ? `${CHROMIUM} not installed (apt-get install chromium)` : false },
  () => {
    let muster: RunningMuster;
    let dataDir: string;
    let browser: Browser;
    let page: Page;

    const call = async <T>(method: string, route: string, body?: unknown, authorization = `Bearer ${ADMIN_TOKEN}`): Promise<T> => {
      const response = await fetch(`${muster.url}${route}`, {
        method,
        headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    };

    async function organization(name: string, thresholds: Record<string, number>): Promise<string> {
      return (await call<{ id: string }>('POST', '/api/v1/organizations', { name, ...thresholds })).id;
    }

    /** A registered system of the organization: its id and Basic credentials. */
    async function system(organizationId: string, name: string, type: string) {
      const created = await call<{ id: string; system_key: string; system_secret: string }>('POST', '/api/v1/systems', {
        name,
        type,
        organization_id: organizationId,
      });
      await call('POST', '/api/systems/register', { system_secret: created.system_secret }, '');
      return { id: created.id, basic: `Basic ${Buffer.from(`${created.system_key}:${created.system_secret}`).toString('base64')}` };
    }
    const beat = (basic: string) => call('POST', '/api/systems/heartbeat', undefined, basic);
    const inventory = (basic: string, body: unknown) => call('POST', '/api/systems/inventory', body, basic);
    const statusOf = async (id: string) => (await call<{ status: string }>('GET', `/api/v1/systems/${id}`)).status;

    before(async () => {
      ensureDashboardBuilt();
      await mkdir(SCREENSHOTS, { recursive: true });
      dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-overview-'));
      muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'info', LIVENESS_SCAN_INTERVAL_MS: '250' });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
      page.setDefaultTimeout(10_000);
    });

    after(async () => {
      await browser?.close();
      muster?.child.kill('SIGTERM');
      await muster?.exited;
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('ranks critical (inactive included) before high before warning, the longest first, one row per system', async () => {
      // Three organizations: one with a 2-second timeout, one warning after 2 seconds, one with the defaults.
      const fast = await organization('fast-timeouts', { heartbeat_timeout_seconds: 2, heartbeat_warning_seconds: 0 });
      const warned = await organization('warned-early', { heartbeat_timeout_seconds: 3600, heartbeat_warning_seconds: 2 });
      const calm = await organization('calm', {});

      const first = await system(fast, 'down-first', 'ns8');
      const suspended = await system(fast, 'down-suspended', 'ns8');
      const deleted = await system(fast, 'down-deleted', 'ns8');
      for (const each of [first, suspended, deleted]) await beat(each.basic);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = await system(fast, 'down-second', 'ns8');
      await beat(second.basic);
      await eventually(async () => (await statusOf(second.id)) === 'inactive', 'down-second inactive');
      await call('POST', `/api/v1/systems/${suspended.id}/suspend`);
      await call('DELETE', `/api/v1/systems/${deleted.id}`);

      // Change alerts after the outages began, so that the outages are the longest standing.
      const lost = await system(calm, 'lost-interface', 'nsec');
      const upgraded = await system(calm, 'upgraded', 'nsec');
      for (const each of [lost, upgraded]) {
        await beat(each.basic);
        await inventory(each.basic, genericInventory());
      }
      const withoutEth1 = genericInventory() as { network: { interfaces: Record<string, unknown> } };
      delete withoutEth1.network.interfaces.eth1;
      await inventory(lost.basic, withoutEth1);
      const newer = genericInventory() as { os: Record<string, unknown> };
      newer.os.version = '9.4';
      await inventory(upgraded.basic, newer);
      const late = await system(warned, 'late', 'node');
      await beat(late.basic);
      // Inventories are processed by background jobs: their alerts follow.
      await eventually(async () => (await call<{ total: number }>('GET', '/api/v1/attention')).total === 5, 'five systems needing attention');

      await page.goto(`${muster.url}/`);
      await page.getByText('Bootstrap: sign in with the admin token').click();
      await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in with the token' }).click();
      await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();

      const card = page.getByRole('region', { name: 'Needs attention' });
      await card.getByTestId('attention-totals').filter({ hasText: '5 systems need attention: 3 critical · 1 high · 1 warning' }).waitFor();
      const rows = card.locator('.attention-item');
      assert.deepEqual(await rows.locator('.attention-system').allTextContents(), ['down-first', 'down-second', 'lost-interface', 'upgraded', 'late']);
      assert.deepEqual(await rows.locator('.attention-head .badge').allTextContents(), ['critical', 'critical', 'critical', 'high', 'warning']);
      // One row per system: the outage is one reason (its LinkFailed alert is not listed again).
      assert.equal(await rows.nth(0).locator('.attention-reasons li').count(), 1);
      assert.match((await rows.nth(0).locator('.attention-reasons').textContent())!, /Inactive/);
      assert.match((await rows.nth(2).locator('.attention-reasons').textContent())!, /critical/);

      // The counts add up: statuses and suspended make the total; the suspended system is not inactive.
      const count = async (id: string) => Number((await page.getByTestId(id).textContent())!.replace(/\D/g, ''));
      const statuses = (await Promise.all(['count-active', 'count-warning', 'count-inactive', 'count-unknown'].map(count))).reduce((a, b) => a + b, 0);
      assert.equal(statuses + (await count('count-suspended')), await count('total-systems'));
      assert.deepEqual([await count('total-systems'), await count('count-suspended'), await count('count-inactive')], [6, 1, 2]);

      // Versions per type, from the systems' inventories.
      await page.getByTestId('versions-nsec').filter({ hasText: '8.0.1' }).waitFor();

      await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-attention.png'), fullPage: true });

      // The full list, on its own page, in the same order.
      await page.goto(`${muster.url}/attention`);
      await page.getByRole('heading', { name: 'Needs attention', level: 1 }).waitFor();
      await page.locator('.attention-item').nth(4).waitFor();
      assert.deepEqual(await page.locator('.attention-item .attention-system').allTextContents(), [
        'down-first',
        'down-second',
        'lost-interface',
        'upgraded',
        'late',
      ]);
      await page.locator('.attention-item').first().getByRole('link', { name: 'down-first' }).click();
      await page.waitForURL(`**/systems/${first.id}`);
      // The system page's Alerts tab counts what fires.
      await page.getByRole('tab', { name: 'Alerts (1)' }).waitFor();
      systems = { first: first.id, lost: lost.id };
    });

    let systems: { first: string; lost: string };
    type Alert = { system_id: string; name: string; acknowledgement: { by: string; comment: string } | null; silence: { ends_at: string } | null };
    const firingOf = async (systemId: string) => (await call<{ items: Alert[] }>('GET', `/api/v1/alerts?status=firing&system_id=${systemId}`)).items;

    it("lists the fleet's alerts filtered and grouped, and acknowledges and silences them from their rows", async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
      await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
      const total = async (query: string) => (await call<{ total: number }>('GET', `/api/v1/alerts?status=firing${query}`)).total;
      await page
        .getByTestId('alerts-total')
        .filter({ hasText: `${await total('')} firing` })
        .waitFor();
      await page.getByRole('checkbox', { name: 'critical' }).check();
      await page
        .getByTestId('alerts-total')
        .filter({ hasText: `${await total('&severity=critical')} firing` })
        .waitFor();
      assert.match(page.url(), /severity=critical/, 'the filters are in the URL');
      await page.getByLabel('Group by').selectOption('rule');
      const linkFailed = await total('&severity=critical&name=LinkFailed');
      assert.ok(linkFailed >= 2);
      await page.getByRole('region', { name: `LinkFailed: ${linkFailed}` }).waitFor();
      await page.getByRole('region', { name: 'InventoryChange: 1' }).waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'alerts-grouped.png'), fullPage: true });

      // Acknowledge down-first's outage with a comment.
      const outage = page
        .getByRole('region', { name: `LinkFailed: ${linkFailed}` })
        .getByRole('row')
        .filter({ hasText: 'down-first' });
      await outage.getByRole('button', { name: 'Acknowledge' }).click();
      const dialog = page.getByRole('dialog', { name: 'Acknowledge alert' });
      await dialog.getByLabel('Comment (optional)').fill('power cut at the branch, on it');
      await dialog.getByRole('button', { name: 'Acknowledge' }).click();
      await outage.getByTestId('acknowledgement').filter({ hasText: 'Acknowledged by admin token' }).waitFor();
      const [acknowledged] = await firingOf(systems.first);
      assert.deepEqual([acknowledged!.acknowledgement?.by, acknowledged!.acknowledgement?.comment], ['admin token', 'power cut at the branch, on it']);

      // Silence the lost interface's alert for 4 hours, then end it.
      const change = page.getByRole('region', { name: 'InventoryChange: 1' }).getByRole('row').filter({ hasText: 'lost-interface' });
      await change.getByRole('button', { name: 'Silence' }).click();
      const silence = page.getByRole('dialog', { name: 'Silence alert' });
      await silence.getByLabel('Silence for').selectOption({ label: '4 hours' });
      await silence.getByRole('button', { name: 'Silence' }).click();
      await change.getByTestId('silence').waitFor();
      const [silenced] = await firingOf(systems.lost);
      assert.ok(silenced!.silence && Math.abs(Date.parse(silenced!.silence.ends_at) - Date.now() - 4 * 3_600_000) < 120_000, 'four hours from now');
      await change.getByRole('button', { name: 'End silence' }).click();
      await change.getByRole('button', { name: 'Silence', exact: true }).waitFor();
      assert.equal((await firingOf(systems.lost))[0]!.silence, null);

      // History holds the resolved ones too.
      await page.getByRole('tab', { name: 'History' }).click();
      await page.getByTestId('alerts-total').filter({ hasText: 'in all' }).waitFor();
    });
  },
);
