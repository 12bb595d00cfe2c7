/**
 * The systems list in Chromium (issue 17, item 3): states that tell never registered, waiting,
 * silent and suspended apart; multi-select filters kept in the URL; search through inventory
 * contents; a row menu instead of a row of buttons; bulk suspend of a filtered selection and bulk
 * labels; the choice of columns and page size; the Muster agent's version as a column and a
 * filter (issue 18, part 6). A real Muster process (embedded database, and a fresh PostgreSQL
 * database when TEST_DATABASE_URL is set) and Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { genericInventory, ns8Inventory } from '../fixtures/sample-inventories.ts';
import { eventually } from '../helpers/eventually.ts';
import { createPostgresDatabase, databaseKinds } from '../helpers/test-databases.ts';
import { REPO_ROOT, startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'e2e-admin-token-systems-list-0123456789';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

for (const kind of databaseKinds()) {
  describe(
    `systems list: states, filters, inventory search, bulk changes, agent versions, in Chromium (${kind})`,
    { skip: chromiumMissing ? `${CHROMIUM} not installed` : false },
    () => {
      let muster: RunningMuster;
      let dataDir: string;
      let dropDatabase: (() => Promise<void>) | undefined;
      // Screenshots of the embedded run keep their names; the PostgreSQL run's are told apart.
      const screenshot = (name: string) => path.join(SCREENSHOTS, kind === 'pglite' ? `${name}.png` : `${name}-${kind}.png`);
      let browser: Browser;
      let page: Page;
      const systems = new Map<string, { id: string; basic: string }>();

      const call = async <T>(method: string, route: string, body?: unknown, authorization = `Bearer ${ADMIN_TOKEN}`, userAgent?: string): Promise<T> => {
        const response = await fetch(`${muster.url}${route}`, {
          method,
          headers: {
            authorization,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(userAgent === undefined ? {} : { 'user-agent': userAgent }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text}`);
        return (text ? JSON.parse(text) : null) as T;
      };
      const stateOf = async (name: string) => (await call<{ state: string }>('GET', `/api/v1/systems/${systems.get(name)!.id}`)).state;

      before(async () => {
        ensureDashboardBuilt();
        await mkdir(SCREENSHOTS, { recursive: true });
        dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-systems-'));
        const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'info', LIVENESS_SCAN_INTERVAL_MS: '250' };
        if (kind === 'postgres') {
          const database = await createPostgresDatabase();
          env.DATABASE_URL = database.url;
          dropDatabase = database.drop;
        }
        muster = await startMusterProcess(env);
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        });
        page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
        page.setDefaultTimeout(10_000);
        page.on('dialog', (dialog) => void (dialog.type() === 'prompt' ? dialog.accept('prod ns8') : dialog.accept()));

        const fast = (
          await call<{ id: string }>('POST', '/api/v1/organizations', { name: 'branches', heartbeat_timeout_seconds: 2, heartbeat_warning_seconds: 0 })
        ).id;
        const make = async (name: string, type: string, labels: Record<string, string>, register = true) => {
          const created = await call<{ id: string; system_key: string; system_secret: string }>('POST', '/api/v1/systems', {
            name,
            type,
            labels,
            organization_id: fast,
          });
          if (register) await call('POST', '/api/systems/register', { system_secret: created.system_secret }, '');
          systems.set(name, { id: created.id, basic: `Basic ${Buffer.from(`${created.system_key}:${created.system_secret}`).toString('base64')}` });
        };
        for (let index = 1; index <= 6; index++) await make(`prod-ns8-${index}`, 'ns8', { env: 'prod' });
        await make('test-ns8', 'ns8', { env: 'test' });
        await make('prod-nsec', 'nsec', { env: 'prod' });
        await make('never-registered', 'ns8', {}, false);
        await make('waiting', 'nsec', {});
        await make('silent', 'nsec', {});
        await call('POST', '/api/systems/heartbeat', undefined, systems.get('silent')!.basic);
        await eventually(async () => (await stateOf('silent')) === 'inactive', 'silent goes inactive');
        // Kept alive for the rest of the test by the heartbeats below (the timeout is 2 s).
        const alive = [...systems.keys()].filter((name) => name.startsWith('prod-') || name === 'test-ns8');
        await call('POST', '/api/systems/inventory', ns8Inventory(), systems.get('prod-ns8-1')!.basic);
        await call('POST', '/api/systems/inventory', genericInventory(), systems.get('prod-nsec')!.basic);
        // Three ns8 systems run Muster agent 1.2.3, the nsec one 1.3.0; the rest send curl's User-Agent.
        const agentOf = (name: string) =>
          ['prod-ns8-1', 'prod-ns8-2', 'prod-ns8-3'].includes(name)
            ? 'muster-agent/1.2.3 (linux; x64)'
            : name === 'prod-nsec'
              ? 'muster-agent/1.3.0 (linux; arm64)'
              : 'curl/8.0';
        const beatAll = () => Promise.all(alive.map((name) => call('POST', '/api/systems/heartbeat', undefined, systems.get(name)!.basic, agentOf(name))));
        await beatAll();
        await eventually(
          async () => (await call<{ agent_version: string | null }>('GET', `/api/v1/systems/${systems.get('prod-nsec')!.id}`)).agent_version === '1.3.0',
          'the agent versions recorded',
        );
        heartbeats = setInterval(() => void beatAll().catch(() => {}), 500);
        await eventually(async () => (await call<{ total: number }>('GET', '/api/v1/systems?search=nextcloud')).total === 1, 'the ns8 inventory processed');
      });
      let heartbeats: NodeJS.Timeout | undefined;

      after(async () => {
        clearInterval(heartbeats);
        await browser?.close();
        muster?.child.kill('SIGTERM');
        await muster?.exited;
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
        await dropDatabase?.();
      });

      const total = (count: number) =>
        page
          .getByTestId('systems-total')
          .filter({ hasText: new RegExp(`^${count} systems?$`) })
          .waitFor();
      const rowNames = () => page.locator('tbody tr .name-cell').allTextContents();

      it('shows each state apart, filters by several values kept in the URL, and searches inventory contents', async () => {
        await page.goto(`${muster.url}/`);
        await page.getByText('Bootstrap: sign in with the admin token').click();
        await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
        await page.getByRole('button', { name: 'Sign in with the token' }).click();
        await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
        await total(11);

        const stateIn = (name: string) =>
          page
            .getByRole('row')
            .filter({ has: page.getByRole('link', { name, exact: true }) })
            .locator('[data-state]');
        assert.equal(await stateIn('never-registered').textContent(), 'Never registered');
        assert.equal(await stateIn('waiting').textContent(), 'Awaiting first heartbeat');
        assert.equal(await stateIn('silent').textContent(), 'Inactive');
        // One line per row at 1440 px: every row as tall as the first.
        const heights = await page.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().height));
        assert.ok(Math.max(...heights) <= Math.min(...heights) + 1 && Math.max(...heights) < 60, `row heights ${heights.join(', ')}`);
        // The row's actions are behind one menu button.
        assert.equal(await page.getByRole('button', { name: 'Suspend' }).count(), 0);
        await page.getByLabel('Actions for silent').click();
        await page.getByRole('button', { name: 'Suspend' }).waitFor();
        await page.keyboard.press('Escape');

        // Status: two states at once.
        await page.getByText('Status: any').click();
        await page.getByRole('checkbox', { name: 'Never registered' }).check();
        await page.getByRole('checkbox', { name: 'Awaiting first heartbeat' }).check();
        await total(2);
        assert.deepEqual(await rowNames(), ['never-registered', 'waiting']);
        assert.match(page.url(), /state=never_registered&state=awaiting_first_heartbeat/);
        await page.keyboard.press('Escape');
        await page.getByRole('button', { name: 'Clear all' }).click();
        await total(11);

        // Inventory contents: "nextcloud" is in one ns8 inventory, "nginx" in the generic one.
        const listed = (names: string[]) => eventually(async () => JSON.stringify(await rowNames()) === JSON.stringify(names), names.join(', '), 10_000);
        await page.getByRole('searchbox', { name: 'Search' }).fill('nextcloud');
        await listed(['prod-ns8-1']);
        await page.getByRole('searchbox', { name: 'Search' }).fill('nginx');
        await listed(['prod-nsec']);
        await page.getByRole('searchbox', { name: 'Search' }).fill('');
        await total(11);
      });

      it('suspends a filtered selection in bulk, labels it, and keeps the chosen columns and page size in the URL', async () => {
        // Type ns8 and label env: prod: the six prod ns8 systems.
        await page.getByText('Type: any').click();
        await page.getByRole('checkbox', { name: /^ns8 \(/ }).check();
        await page.getByText('Labels: any').click();
        await page.getByRole('checkbox', { name: /^env: prod \(/ }).check();
        await total(6);
        await page.keyboard.press('Escape');
        // Five per page would not do: 25 is the smallest page, so all six are here.
        await page.getByLabel('Per page').selectOption('25');
        await page.getByRole('checkbox', { name: 'Select every system on this page' }).check();
        const bar = page.getByRole('region', { name: 'Selected systems' });
        await bar.getByTestId('selected-count').filter({ hasText: '6 systems selected' }).waitFor();
        await page.screenshot({ path: screenshot('systems-bulk-selection'), fullPage: true });
        await bar.getByRole('button', { name: 'Suspend' }).click();
        await bar.getByTestId('bulk-outcome').filter({ hasText: 'Suspended: 6 changed, 0 already so.' }).waitFor();
        for (let index = 1; index <= 6; index++) assert.equal(await stateOf(`prod-ns8-${index}`), 'suspended');
        assert.equal(await stateOf('test-ns8'), 'active', 'outside the filter, untouched');
        assert.equal(await stateOf('prod-nsec'), 'active', 'outside the filter, untouched');

        await bar.getByRole('button', { name: 'Label…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Label 6 systems' });
        await dialog.getByLabel('Key').fill('site');
        await dialog.getByLabel('Value').fill('branch-7');
        await dialog.getByRole('button', { name: 'Set' }).click();
        await bar.getByTestId('bulk-outcome').filter({ hasText: 'Labelled: 6 changed' }).waitFor();
        const labelled = await call<{ total: number }>('GET', '/api/v1/systems?label=site:branch-7');
        assert.equal(labelled.total, 6);

        // Columns: drop Health, add Labels; the choice is in the URL, so a reload keeps the view.
        await page.getByText(/^Columns:/).click();
        await page.getByRole('checkbox', { name: 'Health' }).uncheck();
        await page.getByRole('checkbox', { name: 'Labels', exact: true }).check();
        await page.getByRole('columnheader', { name: 'Labels' }).waitFor();
        await page.keyboard.press('Escape');
        assert.equal(await page.getByRole('columnheader', { name: 'Health' }).count(), 0);
        await page.getByRole('button', { name: 'Save view' }).click();
        await page.reload();
        await total(6);
        await page.getByRole('columnheader', { name: 'Labels' }).waitFor();
        assert.match(page.url(), /page_size=25/);
        assert.equal(await page.getByLabel('View').locator('option:checked').textContent(), 'prod ns8');

        // And back: reactivate them all.
        await page.getByRole('checkbox', { name: 'Select every system on this page' }).check();
        await page.getByRole('region', { name: 'Selected systems' }).getByRole('button', { name: 'Reactivate' }).click();
        await page.getByTestId('bulk-outcome').filter({ hasText: 'Reactivated: 6 changed' }).waitFor();
        await eventually(async () => (await stateOf('prod-ns8-3')) === 'active', 'prod-ns8-3 reporting again');
      });

      it('shows the agent version in a column, filters by version and by no agent, sorts by it, and on the system page', async () => {
        await page.goto(`${muster.url}/systems`);
        await total(11);
        const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
        const headers = await page.getByRole('columnheader').allTextContents();
        const agentColumn = headers.findIndex((header) => header.startsWith('Agent'));
        assert.ok(agentColumn >= 0, `an Agent column among ${headers.join(', ')}`);
        const agentIn = async (name: string) => (await row(name).locator('td').nth(agentColumn).textContent())?.trim();
        assert.equal(await agentIn('prod-ns8-1'), '1.2.3');
        assert.equal(await agentIn('prod-nsec'), '1.3.0');
        assert.equal(await agentIn('test-ns8'), '—', 'curl is no Muster agent');

        // The filter offers the versions in use with their counts, and systems without an agent.
        await page.getByText('Agent: any').click();
        await page.getByRole('checkbox', { name: /^1\.2\.3 \(3\)$/ }).waitFor();
        await page.getByRole('checkbox', { name: /^1\.3\.0 \(1\)$/ }).check();
        await total(1);
        assert.deepEqual(await rowNames(), ['prod-nsec']);
        await page.getByRole('checkbox', { name: /^No agent \(/ }).check();
        await total(8);
        assert.match(page.url(), /agent_version=1\.3\.0&agent_version=none/);
        assert.ok(!(await rowNames()).includes('prod-ns8-1'));
        await page.keyboard.press('Escape');
        await page.screenshot({ path: screenshot('systems-agent-filter'), fullPage: true });
        await page.getByRole('button', { name: 'Clear all' }).click();
        await total(11);

        // Sorted by agent version, newest first: 1.3.0, then the three 1.2.3 by name.
        await page.getByRole('button', { name: /^Agent/ }).click();
        await page.getByRole('button', { name: /^Agent/ }).click();
        await page.getByRole('columnheader', { name: /Agent/ }).and(page.locator('[aria-sort="descending"]')).waitFor();
        await eventually(
          async () => JSON.stringify((await rowNames()).slice(0, 4)) === JSON.stringify(['prod-nsec', 'prod-ns8-1', 'prod-ns8-2', 'prod-ns8-3']),
          'sorted by agent',
        );

        // The system page's overview says it too.
        await row('prod-nsec').getByRole('link', { name: 'prod-nsec', exact: true }).click();
        const identity = page.locator('dl.facts').first();
        await identity.getByText('Muster agent').waitFor();
        await identity
          .locator('dt:has-text("Muster agent") + dd')
          .filter({ hasText: /^1\.3\.0 since / })
          .waitFor();
      });
    },
  );
}
