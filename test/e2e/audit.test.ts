/**
 * The audit log in the dashboard, end to end: a real Muster process (embedded database, under
 * BASE_PATH) driven in Debian's headless Chromium by playwright-core. An organization's admin
 * acts in the browser and then finds the row; a viewer's refused attempt (through the API with the
 * viewer's own session cookie) is what the outcome filter narrows to; a viewer is not offered
 * the page. Screenshots go to artifacts/screenshots/ (not committed).
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

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'e2e-audit-admin-token-0123456789';
const BASE_PATH = '/collect';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');
const PASSWORD = 'correct horse battery staple';

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

describe('the audit log in the dashboard (Chromium)', { skip: chromiumMissing ? `${CHROMIUM} not installed (apt-get install chromium)` : false }, () => {
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;
  let base: string;
  let organization: { id: string; name: string };
  let system: { id: string; name: string };
  let otherSystem: { id: string; name: string };
  const admin = { id: '', email: 'admin@audit.example' };
  const viewer = { id: '', email: 'viewer@audit.example' };

  /** The management API with ADMIN_TOKEN (set-up), or with a session's cookie and CSRF token. */
  async function call<T = unknown>(
    method: string,
    route: string,
    body?: unknown,
    session?: { cookie: string; csrfToken: string },
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const credentials = session
      ? { cookie: session.cookie, 'x-csrf-token': session.csrfToken, origin: new URL(base).origin }
      : { authorization: `Bearer ${ADMIN_TOKEN}` };
    const response = await fetch(`${base}api/v1/${route}`, {
      method,
      headers: { ...credentials, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  }

  before(async () => {
    ensureDashboardBuilt();
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-audit-'));
    muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, BASE_PATH, LOG_LEVEL: 'info' });
    base = `${muster.url}${BASE_PATH}/`;
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });

    const created = await call<{ id: string; name: string }>('POST', 'organizations', { name: 'Audited e2e' });
    assert.equal(created.status, 201);
    organization = created.body;
    for (const [person, role] of [
      [admin, 'admin'],
      [viewer, 'viewer'],
    ] as const) {
      const user = await call<{ id: string }>('POST', 'users', { email: person.email, name: `The ${role}`, password: PASSWORD });
      assert.equal(user.status, 201, JSON.stringify(user.body));
      person.id = user.body.id;
      assert.equal((await call('PUT', `organizations/${organization.id}/members/${user.body.id}`, { role })).status, 201);
    }
    const createdSystem = await call<{ id: string; name: string }>('POST', 'systems', { name: 'audited-appliance', organization_id: organization.id });
    assert.equal(createdSystem.status, 201);
    system = createdSystem.body;

    // Another organization's change, which the admin must not see.
    const other = await call<{ id: string }>('POST', 'organizations', { name: 'Someone else' });
    const otherCreated = await call<{ id: string; name: string }>('POST', 'systems', { name: 'not-yours', organization_id: other.body.id });
    assert.equal(otherCreated.status, 201);
    otherSystem = otherCreated.body;
    assert.equal((await call('POST', `systems/${otherSystem.id}/suspend`)).status, 200);

    // The viewer, signed in with its own cookie, tries to suspend the system and is refused.
    const signIn = await fetch(`${base}api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: viewer.email, password: PASSWORD }),
    });
    assert.equal(signIn.status, 201);
    const cookie = signIn.headers
      .getSetCookie()
      .map((line) => line.split(';')[0]!)
      .join('; ');
    const { csrf_token: csrfToken } = (await signIn.json()) as { csrf_token: string };
    const refused = await call('POST', `systems/${system.id}/suspend`, {}, { cookie, csrfToken });
    assert.equal(refused.status, 403);
  });

  after(async () => {
    await browser?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function signIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(base);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    return page;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
  const rows = (page: Page) => page.locator('tbody tr[data-audit-id]');

  it("shows an admin their own change as a success row, with details and user agent on expanding, and none of another organization's", async () => {
    const page = await signIn(admin.email);
    await page.goto(`${base}systems/${system.id}`);
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('.page-head .badge').filter({ hasText: 'suspended' }).waitFor();

    await nav(page).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: `Audit log of ${organization.name}` }).waitFor();
    // Newest first: the admin's suspension heads the list.
    const first = rows(page).first();
    await first.filter({ hasText: 'systems.suspend' }).waitFor();
    assert.equal(await first.getByTestId('audit-actor').textContent(), admin.email);
    assert.equal(await first.getAttribute('data-outcome'), 'success');
    const cells = await first.getByRole('cell').allTextContents();
    assert.deepEqual(cells.slice(3), ['systems.suspend', `system ${system.id}`, 'success', '200', '127.0.0.1']);
    assert.equal(await rows(page).filter({ hasText: otherSystem.id }).count(), 0, "another organization's rows stay hidden");

    await first.getByRole('button', { name: 'Show details of systems.suspend' }).click();
    const details = page.locator('tr.audit-details');
    await details.waitFor();
    assert.match((await details.textContent())!, /User agent.*HeadlessChrome/);
    assert.match((await details.textContent())!, new RegExp(`Actoruser ${admin.id}`));
    await shot(page, 'audit-log');

    // Members are named by email, as targets too.
    await rows(page)
      .filter({ hasText: 'organizations.members.set' })
      .filter({ hasText: `member ${viewer.email}` })
      .waitFor();

    // From the details, only this actor's rows.
    await details.getByRole('button', { name: 'Only this actor' }).click();
    await page.waitForURL((url) => url.searchParams.get('actor_id') === admin.id);
    await eventually(async () => {
      const actors = await rows(page).getByTestId('audit-actor').allTextContents();
      return actors.length > 0 && actors.every((actor) => actor === admin.email);
    }, "only the admin's rows");
    assert.equal(await rows(page).filter({ hasText: 'admin token' }).count(), 0);
    assert.equal(await rows(page).first().getByRole('cell').nth(3).textContent(), 'systems.suspend');
    await page.context().close();
  });

  it("narrows to a viewer's refused attempt with outcome=denied, kept in the URL across a reload", async () => {
    const page = await signIn(admin.email);
    await nav(page).getByRole('link', { name: 'Audit log' }).click();
    await rows(page).first().waitFor();
    assert.ok((await rows(page).filter({ hasText: 'systems.create' }).count()) >= 1, 'successes are listed too before filtering');

    await page.getByLabel('Outcome').selectOption('denied');
    await page.waitForURL((url) => url.searchParams.get('outcome') === 'denied');
    await eventuallyOnly(page, 'denied');
    const denied = rows(page);
    assert.equal(await denied.count(), 1, "only the viewer's refusal");
    assert.equal(await denied.getByTestId('audit-actor').textContent(), viewer.email);
    const cells = await denied.getByRole('cell').allTextContents();
    assert.deepEqual(cells.slice(3), ['systems.suspend', `system ${system.id}`, 'denied', '403', '127.0.0.1']);
    await shot(page, 'audit-log-denied');

    // The filtered view is a link: reloading it (or sending it) shows the same rows.
    await page.reload();
    await rows(page).first().waitFor();
    assert.equal(await page.getByLabel('Outcome').inputValue(), 'denied');
    assert.equal(await rows(page).count(), 1);

    // A date range after today: nothing.
    await page.getByLabel('From').fill('2099-01-01');
    await page.getByText('No audit entries match').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('from'), '2099-01-01');
    await page.getByLabel('From').fill('');
    await rows(page).first().waitFor();

    // Another filter on top: no denied row for another action.
    await page.getByLabel('Action').fill('systems.delete');
    await page.getByText('No audit entries match').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('action'), 'systems.delete');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => !url.searchParams.has('outcome') && !url.searchParams.has('action'));
    await rows(page).filter({ hasText: 'systems.create' }).first().waitFor();
    await page.context().close();
  });

  it('offers a viewer no Audit log link, and says who reads it when the page is opened anyway', async () => {
    const page = await signIn(viewer.email);
    await nav(page).getByRole('link', { name: 'Systems' }).waitFor();
    assert.equal(await nav(page).getByRole('link', { name: 'Audit log' }).count(), 0);
    await page.goto(`${base}audit`);
    await page.getByText(`The audit log of ${organization.name} is read by the organization's admins and owners.`).waitFor();
    assert.equal(await page.locator('table').count(), 0);
    await page.context().close();
  });

  /** Waits until the table shows only rows of `outcome` (the previous page stays while the next loads). */
  async function eventuallyOnly(page: Page, outcome: string) {
    await eventually(async () => {
      const shown = await rows(page).evaluateAll((found) => found.map((row) => row.getAttribute('data-outcome')));
      return shown.length > 0 && shown.every((shownOutcome) => shownOutcome === outcome);
    }, `only ${outcome} rows`);
  }
});
