/**
 * The heartbeat-daemon dialect in the dashboard, end to end: a real Muster process (on PGlite,
 * and on a fresh PostgreSQL database when TEST_DATABASE_URL is set) driven in Debian's headless
 * Chromium by playwright-core. An owner reads and changes the organization's daemon parameters,
 * a refused change shows the daemon's clauses and changes nothing, a viewer only reads them,
 * and a compute node's first heartbeat shows on its system page with its xname. Screenshots go
 * to artifacts/screenshots/ (not committed).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { eventually } from '../helpers/eventually.ts';
import { REPO_ROOT, startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';
import { createPostgresDatabase, databaseKinds } from '../helpers/test-databases.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'e2e-hmi-admin-token-0123456789abcdef';
const BASE_PATH = '/collect';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const XNAME = 'x0c0s0b0n0';

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

type Params = Record<string, string>;

for (const kind of databaseKinds()) {
  describe(
    `heartbeat-daemon parameters and nodes in the dashboard (Chromium, ${kind})`,
    { skip: chromiumMissing ? `${CHROMIUM} not installed` : false },
    () => {
      let muster: RunningMuster;
      let dataDir: string;
      let dropDatabase: (() => Promise<void>) | undefined;
      let browser: Browser;
      let base: string;
      let organization: { id: string; name: string };
      const emails = { owner: 'owner@nodes.example', viewer: 'viewer@nodes.example' };

      /** The management API with ADMIN_TOKEN: set-up, and checking what the browser did. */
      async function admin<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
        const response = await fetch(`${base}api/v1/${route}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
      }
      const params = async () => (await admin<Params>('GET', `organizations/${organization.id}/heartbeat-daemon/params`)).body;

      before(async () => {
        ensureDashboardBuilt();
        dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-hmi-'));
        const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_TOKEN, BASE_PATH, LOG_LEVEL: 'info', LIVENESS_SCAN_INTERVAL_MS: '500' };
        if (kind === 'postgres') {
          const database = await createPostgresDatabase();
          env.DATABASE_URL = database.url;
          dropDatabase = database.drop;
        }
        muster = await startMusterProcess(env);
        base = `${muster.url}${BASE_PATH}/`;
        await mkdir(SCREENSHOTS, { recursive: true });
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        });
        const created = await admin<{ id: string; name: string }>('POST', 'organizations', { name: 'Nodes e2e' });
        assert.equal(created.status, 201);
        organization = created.body;
        for (const role of ['owner', 'viewer'] as const) {
          const user = await admin<{ id: string }>('POST', 'users', { email: emails[role], name: `The ${role}`, password: PASSWORD });
          assert.equal(user.status, 201, JSON.stringify(user.body));
          assert.equal((await admin('PUT', `organizations/${organization.id}/members/${user.body.id}`, { role })).status, 201);
        }
      });

      after(async () => {
        await browser?.close();
        muster?.child.kill('SIGTERM');
        await muster?.exited;
        await dropDatabase?.();
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
      });

      /** A fresh browser context signed in with email and password, on the heartbeat-daemon page through the navigation. */
      async function openParams(role: keyof typeof emails): Promise<Page> {
        const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        await page.goto(base);
        await page.getByLabel('Email').fill(emails[role]);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Heartbeat daemon' }).click();
        await page.getByRole('heading', { name: 'Heartbeat daemon of Nodes e2e' }).waitFor();
        return page;
      }
      const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${kind}.png`), fullPage: true });

      it('shows an owner the inherited thresholds, saves Warntime 5 / Errtime 20, and keeps them after a reload and in the API', async () => {
        const page = await openParams('owner');
        const warntime = page.getByRole('textbox', { name: 'Warntime' });
        const errtime = page.getByRole('textbox', { name: 'Errtime' });
        assert.equal(await warntime.inputValue(), '0', 'no warning by default');
        assert.equal(await errtime.inputValue(), '600', 'the global timeout');
        assert.equal(await page.getByRole('textbox', { name: 'Sm_url' }).inputValue(), '', "Muster's default: nothing sent");
        assert.equal(await page.getByRole('textbox', { name: 'Port' }).count(), 0, 'Port cannot be edited');
        assert.equal(await page.getByTestId('param-Port').textContent(), '28500');
        assert.ok(await page.getByRole('button', { name: 'Save changes' }).isDisabled(), 'nothing to save yet');
        await shot(page, 'heartbeat-daemon-params');

        await warntime.fill('5');
        await errtime.fill('20');
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.getByRole('status').filter({ hasText: 'Saved: Warntime, Errtime.' }).waitFor();
        const saved = await params();
        assert.equal(saved.Warntime, '5');
        assert.equal(saved.Errtime, '20');
        assert.equal(saved.Interval, '5', 'fields not changed are left alone');
        const thresholds = await admin<{ effective_heartbeat_warning_seconds: number; effective_heartbeat_timeout_seconds: number }>(
          'GET',
          `organizations/${organization.id}`,
        );
        assert.equal(thresholds.body.effective_heartbeat_warning_seconds, 5, "the organization's warning threshold");
        assert.equal(thresholds.body.effective_heartbeat_timeout_seconds, 20, "the organization's timeout");

        await page.reload();
        await page.getByRole('heading', { name: 'Heartbeat daemon of Nodes e2e' }).waitFor();
        await eventually(async () => (await warntime.inputValue()) === '5', 'Warntime 5 after the reload', 5000);
        assert.equal(await errtime.inputValue(), '20');
        await page.context().close();
      });

      it("shows the daemon's clause for Warntime 'x' and changes nothing, not even the valid field beside it", async () => {
        const page = await openParams('owner');
        await page.getByRole('textbox', { name: 'Warntime' }).fill('x');
        await page.getByRole('textbox', { name: 'Errtime' }).fill('30');
        await page.getByRole('button', { name: 'Save changes' }).click();
        const refusal = page.getByRole('alert').filter({ hasText: 'nothing was saved' });
        await refusal.waitFor();
        assert.deepEqual(await refusal.locator('li').allTextContents(), ["Parameter 'warntime' with illegal value 'x'"]);
        assert.equal(await page.getByRole('textbox', { name: 'Warntime' }).getAttribute('aria-invalid'), 'true');
        assert.equal(await page.getByRole('status').filter({ hasText: 'Saved' }).count(), 0);
        await shot(page, 'heartbeat-daemon-refused');
        const after = await params();
        assert.equal(after.Warntime, '5');
        assert.equal(after.Errtime, '20', 'all or nothing');
        await page.context().close();
      });

      it('shows a viewer the parameters read-only, with no edit control', async () => {
        const page = await openParams('viewer');
        await page.getByTestId('param-Warntime').filter({ hasText: '5' }).waitFor();
        assert.equal(await page.getByTestId('param-Errtime').textContent(), '20');
        assert.equal(await page.getByRole('textbox').count(), 0);
        assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);
        await page.getByText("The organization's admins and owners change these.").waitFor();
        await page.context().close();
      });

      it('shows a node made by its first heartbeat on its system page, with its xname and a link to the parameters', async () => {
        const key = await admin<{ key: string }>('POST', `organizations/${organization.id}/api-keys`, { name: 'e2e daemon', scopes: ['heartbeat-daemon'] });
        assert.equal(key.status, 201);
        const heartbeat = await fetch(`${base}hmi/v1/heartbeat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key.body.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ Component: XNAME, Status: 'OK', Timestamp: 't' }),
        });
        assert.equal(heartbeat.status, 200, await heartbeat.text());
        const node = await eventually(async () => {
          const found = await admin<{ items: { id: string; type: string; source: string; external_id: string }[] }>('GET', `systems?search=${XNAME}`);
          return found.body.items[0];
        }, 'the node to be created');
        assert.deepEqual([node.type, node.source, node.external_id], ['node', 'heartbeat-daemon', XNAME]);

        const page = await openParams('viewer');
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
        await page.getByRole('link', { name: XNAME }).click();
        await page.getByText('Heartbeat daemon component').waitFor();
        assert.equal(await page.getByTestId('xname').textContent(), XNAME);
        assert.equal(await page.locator('.facts dt:has-text("Type") + dd').textContent(), 'node');
        // The organization's Warntime (5 s) is the node's warning threshold.
        await page.getByTestId('system-status').filter({ hasText: 'Warning' }).waitFor({ timeout: 15_000 });
        await shot(page, 'heartbeat-daemon-node');
        await page.getByRole('link', { name: 'Parameters of Nodes e2e' }).click();
        await page.getByTestId('param-Errtime').filter({ hasText: '20' }).waitFor();
        await page.context().close();
      });
    },
  );
}
