/**
 * Operator accounts in the dashboard, end to end: a real Muster process (embedded database,
 * under BASE_PATH) driven in Debian's headless Chromium by playwright-core. The users and their
 * roles are made through the API with ADMIN_TOKEN; then each person signs in with email and
 * password in a browser context of their own (their own cookie), and what the page offers and
 * what the API then holds are checked. Screenshots go to artifacts/screenshots/ (not committed).
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
import { startTestOpenIdProvider, type TestOpenIdProvider } from '../helpers/oidc-provider.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'e2e-accounts-admin-token-0123456789';
const BASE_PATH = '/collect';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');
const PASSWORD = 'correct horse battery staple';

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

type Role = 'owner' | 'admin' | 'operator' | 'viewer';

describe('operator accounts in the dashboard (Chromium)', { skip: chromiumMissing ? `${CHROMIUM} not installed (apt-get install chromium)` : false }, () => {
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;
  let base: string;
  let organization: { id: string; name: string };
  let system: { id: string; name: string };
  const users = new Map<Role, { id: string; email: string }>();

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

  before(async () => {
    ensureDashboardBuilt();
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-accounts-'));
    muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, BASE_PATH, LOG_LEVEL: 'info' });
    base = `${muster.url}${BASE_PATH}/`;
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });

    const createdOrganization = await admin<{ id: string; name: string }>('POST', 'organizations', { name: 'Acme e2e' });
    assert.equal(createdOrganization.status, 201);
    organization = createdOrganization.body;
    for (const role of ['owner', 'admin', 'operator', 'viewer'] as const) {
      const email = `${role}@acme.example`;
      const user = await admin<{ id: string }>('POST', 'users', { email, name: `The ${role}`, password: PASSWORD });
      assert.equal(user.status, 201, JSON.stringify(user.body));
      assert.equal((await admin('PUT', `organizations/${organization.id}/members/${user.body.id}`, { role })).status, 201);
      users.set(role, { id: user.body.id, email });
    }
    const createdSystem = await admin<{ id: string; name: string }>('POST', 'systems', { name: 'acme-appliance', organization_id: organization.id });
    assert.equal(createdSystem.status, 201);
    system = createdSystem.body;
  });

  after(async () => {
    await browser?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** A fresh browser context (its own cookies) signed in as `role` with email and password. */
  async function signIn(role: Role | { email: string }): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: muster.url });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(base);
    await page.getByLabel('Email').fill(typeof role === 'string' ? users.get(role)!.email : role.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    return page;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

  it('refuses a wrong password with the same plain answer and offers the admin token only as bootstrap', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Email').fill(users.get('viewer')!.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'That email and password were not accepted.' }).waitFor();
    assert.equal(await page.getByLabel('Admin token').isVisible(), false, 'the token form is folded away');
    // No SSO configured: no SSO button.
    assert.equal(await page.getByRole('link', { name: 'Sign in with SSO' }).count(), 0);
    await shot(page, 'sign-in');
    await context.close();
  });

  it('shows a viewer no mutating buttons on the systems list or a system page, and no key or member management', async () => {
    const page = await signIn('viewer');
    await nav(page).getByRole('link', { name: 'Systems' }).click();
    await page.getByRole('row').filter({ hasText: system.name }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create system' }).count(), 0);
    await page.getByRole('link', { name: system.name }).click();
    await page.getByTestId('system-status').waitFor();
    for (const name of ['Suspend', 'Delete', 'Regenerate secret', 'Reactivate', 'Restore'])
      assert.equal(await page.getByRole('button', { name }).count(), 0, `a viewer sees no ${name} button`);
    assert.equal(await nav(page).getByRole('link', { name: 'API keys' }).count(), 0);
    await nav(page).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('cell', { name: users.get('owner')!.email }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Invite' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Remove' }).count(), 0);
    assert.equal(await page.getByRole('combobox', { name: /^Role of / }).count(), 0);
    // The single organization is the switcher's choice, with the viewer's role in it.
    assert.match((await page.getByLabel('Organization').locator('option:checked').textContent())!, /Acme e2e \(viewer\)/);
    await shot(page, 'members-as-viewer');
    await page.context().close();
  });

  it('lets an operator suspend a system after a reload (the cookie and the CSRF token carry over), and explains a 403', async () => {
    const page = await signIn('operator');
    await page.reload();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await page.goto(`${base}systems/${system.id}`);
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('.page-head .badge').filter({ hasText: 'suspended' }).waitFor();
    const suspended = await admin<{ suspended: boolean }>('GET', `systems/${system.id}`);
    assert.equal(suspended.body.suspended, true, 'the API confirms the suspension');
    assert.equal(await nav(page).getByRole('link', { name: 'API keys' }).count(), 0, 'operators do not manage keys');

    // Demoted behind its back, the page still offers Reactivate: the refusal is told in plain words.
    assert.equal((await admin('PUT', `organizations/${organization.id}/members/${users.get('operator')!.id}`, { role: 'viewer' })).status, 200);
    await page.getByRole('button', { name: 'Reactivate' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'You are not allowed to do this' });
    await refusal.waitFor();
    assert.match((await refusal.textContent())!, /act on systems .*\(systems:operate\), which the operator role and above hold/);
    assert.equal((await admin<{ suspended: boolean }>('GET', `systems/${system.id}`)).body.suspended, true);
    await shot(page, 'forbidden-explained');
    assert.equal((await admin('PUT', `organizations/${organization.id}/members/${users.get('operator')!.id}`, { role: 'operator' })).status, 200);
    await page.context().close();
  });

  it('shows an admin the system actions and API keys, but no member management', async () => {
    const page = await signIn('admin');
    await page.goto(`${base}systems/${system.id}`);
    await page.getByRole('button', { name: 'Regenerate secret' }).waitFor();
    await nav(page).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create key' }).waitFor();
    await nav(page).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('cell', { name: users.get('owner')!.email }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Invite' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Remove' }).count(), 0);
    await page.context().close();
  });

  it('lets an owner invite a member (the link is shown once) who then sets a password and signs in', async () => {
    const page = await signIn('owner');
    await nav(page).getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Email').fill('new.member@acme.example');
    await page.getByLabel('Name (optional)').fill('New Member');
    await page.getByLabel('Role', { exact: true }).selectOption('operator');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = (await page.getByTestId('invitation-link').textContent())!;
    assert.match(link, new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}accept-invitation#token=.+`));
    await page.getByRole('button', { name: 'Copy link' }).click();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), link);
    await page.getByRole('cell', { name: 'new.member@acme.example' }).waitFor();
    await shot(page, 'members-invited');
    const members = await admin<{ items: { email: string; role: string }[] }>('GET', `organizations/${organization.id}/members`);
    assert.equal(members.body.items.find((member) => member.email === 'new.member@acme.example')?.role, 'operator');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('invitation-link').count(), 0, 'shown once');
    await page.context().close();

    // The invited person opens the link in a browser of their own.
    const context = await browser.newContext();
    const invited = await context.newPage();
    await invited.goto(link);
    await invited.getByLabel('New password').fill(PASSWORD);
    await invited.getByLabel('Repeat the password').fill(PASSWORD);
    await invited.getByRole('button', { name: 'Set password' }).click();
    await invited.getByRole('button', { name: 'Go to sign-in' }).click();
    await invited.getByLabel('Email').fill('new.member@acme.example');
    await invited.getByLabel('Password').fill(PASSWORD);
    await invited.getByRole('button', { name: 'Sign in', exact: true }).click();
    await invited.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    assert.equal(await invited.getByTestId('signed-in-as').textContent(), 'new.member@acme.example');
    await context.close();
  });

  it('lets an owner change a role and remove a member', async () => {
    const leaving = await admin<{ id: string }>('POST', 'users', { email: 'leaving@acme.example', name: 'Leaving', password: PASSWORD });
    assert.equal((await admin('PUT', `organizations/${organization.id}/members/${leaving.body.id}`, { role: 'viewer' })).status, 201);
    const page = await signIn('owner');
    await nav(page).getByRole('link', { name: 'Members' }).click();
    const viewer = users.get('viewer')!;
    await page.getByRole('combobox', { name: `Role of ${viewer.email}` }).selectOption('operator');
    await eventually(async () => (await memberRole(viewer.id)) === 'operator', 'the new role to be stored', 5000);
    await page.getByRole('row').filter({ hasText: 'leaving@acme.example' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('cell', { name: 'leaving@acme.example' }).waitFor({ state: 'detached' });
    assert.equal(await memberRole(leaving.body.id), undefined, 'the API no longer lists the removed member');
    assert.equal((await admin('PUT', `organizations/${organization.id}/members/${viewer.id}`, { role: 'viewer' })).status, 200);
    await page.context().close();
  });

  it('lets an owner create an API key with scopes (shown once, working) and revoke it (refused at once)', async () => {
    const page = await signIn('owner');
    await nav(page).getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Key name').fill('e2e monitoring');
    await page.getByRole('checkbox', { name: 'systems:read' }).check();
    await page.getByRole('checkbox', { name: 'monitoring:write' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('api-key').textContent())!;
    assert.match(key, /^mak_/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), key);
    const row = page.getByRole('row').filter({ hasText: 'e2e monitoring' });
    await row.waitFor();
    assert.match((await row.textContent())!, /monitoring:write.*systems:read|systems:read.*monitoring:write/);
    assert.equal((await row.textContent())!.includes(key), false, 'the list never shows the key');
    await shot(page, 'api-key-created');

    const withKey = () => fetch(`${base}api/v1/systems`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal((await withKey()).status, 200, 'the new key opens its organization');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('api-key').count(), 0, 'shown once');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await withKey()).status, 401, 'a revoked key is refused');
    const keys = await admin<{ total: number }>('GET', `organizations/${organization.id}/api-keys`);
    assert.equal(keys.body.total, 0);
    await page.context().close();
  });

  it('shows my sessions with the current one marked, makes a personal token once, revokes it, and signs out', async () => {
    const other = await signIn('owner');
    const page = await signIn('owner');
    await nav(page).getByRole('link', { name: 'My account' }).click();
    await page.getByText('this session').waitFor();
    assert.equal(await page.locator('tbody tr[data-current="true"]').count(), 1);
    const others = page.locator('tbody tr[data-current="false"]');
    assert.ok((await others.count()) >= 1, 'the other browser is listed');

    // Revoking the other sessions (the other browser's among them, and earlier tests') signs them out at their next request (checked below).
    for (let left = await others.count(); left > 0; left -= 1) {
      await others.first().getByRole('button', { name: 'Revoke' }).click();
      await eventually(async () => (await others.count()) === left - 1, 'the revoked session to leave the list', 5000);
    }

    await page.getByLabel('Token name').fill('e2e script');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('personal-token').textContent())!;
    assert.match(token, /^mpt_/);
    const withToken = () => fetch(`${base}api/v1/session`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await withToken()).status, 200);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row').filter({ hasText: 'e2e script' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('row').filter({ hasText: 'e2e script' }).waitFor({ state: 'detached' });
    assert.equal((await withToken()).status, 401, 'a revoked token is refused');
    await shot(page, 'my-account');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('Email').waitFor();
    await page.reload();
    await page.getByLabel('Email').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Fleet overview' }).count(), 0, 'the cookie no longer opens the dashboard');
    await page.context().close();

    // The other browser, still on the live overview, gets a 401 at its next poll and is sent to sign-in.
    await other.getByLabel('Email').waitFor();
    assert.equal(await other.getByRole('heading', { name: 'Fleet overview' }).count(), 0);
    await other.context().close();
  });

  async function memberRole(userId: string): Promise<string | undefined> {
    const members = await admin<{ items: { user_id: string; role: string }[] }>('GET', `organizations/${organization.id}/members`);
    return members.body.items.find((item) => item.user_id === userId)?.role;
  }
});

describe('single sign-on from the sign-in page (Chromium)', { skip: chromiumMissing ? `${CHROMIUM} not installed (apt-get install chromium)` : false }, () => {
  let provider: TestOpenIdProvider;
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;

  before(async () => {
    ensureDashboardBuilt();
    provider = await startTestOpenIdProvider({
      clientId: 'muster',
      clientSecret: 'muster-client-secret',
      redirectUris: ['http://127.0.0.1/collect/api/v1/session/oidc/callback'],
      accounts: { ana: { email: 'ana@example.com', email_verified: true } },
    });
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-sso-'));
    muster = await startMusterProcess({
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      BASE_PATH,
      OIDC_ISSUER_URL: provider.issuer,
      OIDC_CLIENT_ID: 'muster',
      OIDC_CLIENT_SECRET: 'muster-client-secret',
      OIDC_REDIRECT_URL: 'http://127.0.0.1/collect/api/v1/session/oidc/callback',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  });

  after(async () => {
    await browser?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    await provider?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('offers "Sign in with SSO" when configured, returning to the page asked for, and sends the browser to the provider', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${muster.url}${BASE_PATH}/systems?status=active`);
    const sso = page.getByRole('link', { name: 'Sign in with SSO' });
    await sso.waitFor();
    assert.equal(
      await sso.getAttribute('href'),
      `${BASE_PATH}/api/v1/session/oidc/start?return_to=${encodeURIComponent(`${BASE_PATH}/systems?status=active`)}`,
    );
    // The provider's login page is where this test stops (Muster's side of the callback is tested in src/features/sso).
    const [atProvider] = await Promise.all([page.waitForRequest((request) => new URL(request.url()).pathname.startsWith('/interaction/')), sso.click()]);
    assert.equal(new URL(atProvider.url()).origin, provider.issuer);
    const authorization = atProvider.redirectedFrom()?.url() ?? '';
    assert.match(authorization, /code_challenge_method=S256/, 'authorization code with PKCE');
    await page.close();
  });
});
