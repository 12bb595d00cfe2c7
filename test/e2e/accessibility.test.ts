/**
 * Accessibility and small screens in Chromium (issue 17, item 6): axe-core (Deque's engine,
 * through @axe-core/playwright) on every main page and dialog, in the light and the dark theme,
 * with no serious or critical violation of WCAG 2.1 A/AA; and every page at 360 px wide without
 * horizontal scrolling, measured as the document's width. A real Muster process (embedded
 * database) with a fleet that fills the pages: active, silent, suspended and never registered
 * systems, an inventory change, firing alerts, a backup.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { genericInventory } from '../fixtures/sample-inventories.ts';
import { eventually } from '../helpers/eventually.ts';
import { startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';
import { chromiumSkip, launchChromium, signInWithAdminToken } from '../helpers/chromium.ts';

const ADMIN_TOKEN = 'e2e-admin-token-accessibility-0123456789';
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** A page of the dashboard, how to know it has rendered, and the dialogs it opens. */
interface Screen {
  name: string;
  path: (ids: Record<string, string>) => string;
  ready: (page: Page) => Promise<unknown>;
  dialogs?: { name: string; open: (page: Page) => Promise<unknown>; close: (page: Page) => Promise<unknown> }[];
}

const heading = (name: string | RegExp) => (page: Page) => page.getByRole('heading', { name, level: 1 }).first().waitFor();
const tabPanel = (text: string | RegExp) => (page: Page) => page.getByRole('heading', { name: text }).first().waitFor();

const SCREENS: Screen[] = [
  { name: 'overview', path: () => '/', ready: heading('Fleet overview') },
  { name: 'needs attention', path: () => '/attention', ready: heading(/attention/i) },
  {
    name: 'alerts',
    path: () => '/alerts',
    ready: (page) => page.getByRole('button', { name: 'Acknowledge' }).first().waitFor(),
    dialogs: ['Acknowledge', 'Silence'].map((action) => ({
      name: action.toLowerCase(),
      open: async (page: Page) => {
        await page.getByRole('button', { name: action, exact: true }).first().click();
        await page.getByRole('dialog').waitFor();
      },
      close: (page: Page) => page.keyboard.press('Escape'),
    })),
  },
  {
    name: 'systems',
    path: () => '/systems',
    ready: (page) => page.getByTestId('systems-total').waitFor(),
    dialogs: [
      {
        name: 'create system',
        open: (page) =>
          page
            .getByRole('button', { name: /new system|create system|add system/i })
            .first()
            .click(),
        close: (page) => page.keyboard.press('Escape'),
      },
      {
        name: 'row menu',
        open: (page) => page.getByLabel('Actions for web-01').click(),
        close: (page) => page.keyboard.press('Escape'),
      },
      {
        name: "a new system's one-time secret",
        open: async (page) => {
          await page.getByRole('button', { name: 'Create system' }).click();
          const dialog = page.getByRole('dialog');
          await dialog.getByLabel('Name').fill(`a11y-${Math.random().toString(36).slice(2, 8)}`);
          await dialog.getByRole('button', { name: 'Create', exact: true }).click();
          await page.getByTestId('system-key').waitFor();
        },
        close: async (page) => {
          await page.getByRole('button', { name: 'Done' }).click();
          await page.getByRole('button', { name: 'Close without copying' }).click();
        },
      },
      {
        name: 'bulk label',
        open: async (page) => {
          await page.getByLabel('Select every system on this page').check();
          await page.getByRole('button', { name: 'Label…' }).click();
          await page.getByRole('dialog').waitFor();
        },
        close: async (page) => {
          await page.keyboard.press('Escape');
          await page.getByRole('button', { name: 'Clear selection' }).click();
        },
      },
    ],
  },
  { name: 'system overview', path: (ids) => `/systems/${ids.web}`, ready: (page) => page.getByRole('tab', { name: 'Overview' }).waitFor() },
  { name: 'system liveness', path: (ids) => `/systems/${ids.web}/liveness`, ready: tabPanel(/Availability/i) },
  { name: 'system metrics', path: (ids) => `/systems/${ids.web}/metrics`, ready: (page) => page.getByTestId('metrics-resolution').waitFor() },
  { name: 'system inventory', path: (ids) => `/systems/${ids.web}/inventory`, ready: tabPanel('History') },
  { name: 'system changes', path: (ids) => `/systems/${ids.web}/changes`, ready: (page) => page.locator('.change').first().waitFor() },
  { name: 'system alerts', path: (ids) => `/systems/${ids.silent}/alerts`, ready: (page) => page.getByText('LinkFailed').first().waitFor() },
  { name: 'system backups', path: (ids) => `/systems/${ids.web}/backups`, ready: (page) => page.getByText('nightly.tar.gz').first().waitFor() },
  { name: 'settings', path: () => '/settings', ready: heading(/Settings of/) },
  { name: 'members', path: () => '/members', ready: heading(/Members of/) },
  {
    name: 'API keys',
    path: () => '/api-keys',
    ready: heading(/API keys of/),
    dialogs: [
      {
        name: 'a new key shown once',
        open: async (page) => {
          const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create key' }) });
          await form.getByLabel('Key name').fill(`a11y-${Math.random().toString(36).slice(2, 8)}`);
          await form.getByRole('checkbox').first().check();
          await form.getByRole('button', { name: 'Create key' }).click();
          await page.locator('.shown-once').waitFor();
        },
        close: async () => {},
      },
    ],
  },
  {
    name: 'webhooks',
    path: () => '/webhooks',
    ready: heading(/Webhooks of/),
    dialogs: [
      {
        name: "a new webhook's secret shown once",
        open: async (page) => {
          await page.getByLabel('Delivery URL').fill('http://127.0.0.1:9/hook');
          await page.getByRole('button', { name: 'Add webhook' }).click();
          await page.locator('.shown-once').waitFor();
        },
        close: async () => {},
      },
    ],
  },
  { name: 'heartbeat daemon', path: () => '/heartbeat-daemon', ready: heading(/Heartbeat daemon of/i) },
  { name: 'jobs', path: () => '/jobs', ready: heading('Background jobs') },
  { name: 'an unknown system', path: () => '/systems/00000000-0000-4000-8000-000000000000', ready: heading('System not found') },
  { name: 'an unknown page', path: () => '/no-such-page', ready: heading('Page not found') },
  { name: 'audit log', path: () => '/audit', ready: (page) => page.locator('table time').first().waitFor() },
];

describe('accessibility (axe-core, both themes) and 360 px screens, in Chromium', { skip: chromiumSkip }, () => {
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;
  const ids: Record<string, string> = {};

  const call = async <T>(
    method: string,
    route: string,
    body?: unknown,
    authorization = `Bearer ${ADMIN_TOKEN}`,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const response = await fetch(`${muster.url}${route}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };

  before(async () => {
    ensureDashboardBuilt();
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-a11y-'));
    muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'info', LIVENESS_SCAN_INTERVAL_MS: '250' });
    // A second organization for the switcher; the default one (the pages' choice) with a 1-second
    // timeout, so that its systems fall silent and alerts fire.
    await call('POST', '/api/v1/organizations', { name: 'branches' });
    const organizations = await call<{ items: { id: string; is_default: boolean }[] }>('GET', '/api/v1/organizations');
    const defaultId = organizations.items.find((organization) => organization.is_default)!.id;
    await call('PATCH', `/api/v1/organizations/${defaultId}`, { heartbeat_timeout_seconds: 1, heartbeat_warning_seconds: 0 });
    const make = async (name: string, organization_id?: string, register = true) => {
      const created = await call<{ id: string; system_key: string; system_secret: string }>('POST', '/api/v1/systems', {
        name,
        type: 'ns8',
        labels: { env: 'prod' },
        ...(organization_id ? { organization_id } : {}),
      });
      if (register) await call('POST', '/api/systems/register', { system_secret: created.system_secret }, '');
      return { id: created.id, basic: `Basic ${Buffer.from(`${created.system_key}:${created.system_secret}`).toString('base64')}` };
    };
    const web = await make('web-01');
    ids.web = web.id;
    await call('POST', '/api/systems/heartbeat', undefined, web.basic);
    const previous = genericInventory() as { os: { version: string } };
    previous.os.version = '9.2';
    await call('POST', '/api/systems/inventory', previous, web.basic);
    await eventually(async () => (await call<{ total: number }>('GET', `/api/v1/systems/${web.id}/inventory`)).total === 1, 'the first inventory');
    await call('POST', '/api/systems/inventory', genericInventory(), web.basic);
    for (const minutesAgo of [30, 20, 10, 0]) {
      await call(
        'POST',
        '/api/systems/metrics',
        {
          timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
          cpu: { percent: 20 + minutesAgo, loadavg: { '1m': 1.2, '5m': 1.1, '15m': 0.9 } },
          memory: { total_gb: 64, used_gb: 32, percent: 50 },
          disks: [{ mountpoint: '/', percent: 40, total_gb: 200, free_gb: 120 }],
        },
        web.basic,
      );
    }
    await call('POST', '/api/systems/backups', 'backup bytes', web.basic, { 'content-type': 'application/octet-stream', 'x-filename': 'nightly.tar.gz' });
    const silent = await make('silent-02');
    ids.silent = silent.id;
    await call('POST', '/api/systems/heartbeat', undefined, silent.basic);
    const suspended = await make('suspended-03');
    await call('POST', `/api/v1/systems/${suspended.id}/suspend`);
    await make('never-04', undefined, false);
    await eventually(async () => (await call<{ total: number }>('GET', `/api/v1/systems/${silent.id}/alerts?status=firing`)).total > 0, 'LinkFailed firing');
    await eventually(async () => (await call<{ total: number }>('GET', `/api/v1/systems/${web.id}/inventory/diffs`)).total > 0, 'the change detected');

    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function signedIn(options: { colorScheme: 'light' | 'dark'; width: number }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: options.width, height: 900 }, colorScheme: options.colorScheme });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signInWithAdminToken(page, muster.url, ADMIN_TOKEN);
    // The organization's own pages need one chosen.
    await page.getByLabel('Organization').selectOption({ label: 'Default' });
    return { context, page };
  }

  /** Serious and critical violations, each as "rule: target (summary)". */
  async function violations(page: Page): Promise<string[]> {
    const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .flatMap((violation) =>
        violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')} (${node.failureSummary?.split('\n')[1]?.trim() ?? ''})`),
      );
  }

  const open = async (page: Page, screen: Screen) => {
    await page.goto(`${muster.url}${screen.path(ids)}`);
    await screen.ready(page);
    // Let the live queries settle (charts, counts) before measuring.
    await page.waitForLoadState('networkidle');
  };

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe violation on any page or dialog, ${colorScheme} theme`, async () => {
      const { context, page } = await signedIn({ colorScheme, width: 1440 });
      const found: string[] = [];
      try {
        for (const screen of SCREENS) {
          await open(page, screen);
          for (const violation of await violations(page)) found.push(`${screen.name}: ${violation}`);
          for (const dialog of screen.dialogs ?? []) {
            await dialog.open(page);
            await page.waitForTimeout(200);
            for (const violation of await violations(page)) found.push(`${screen.name}, ${dialog.name}: ${violation}`);
            await dialog.close(page);
          }
        }
      } finally {
        await context.close();
      }
      assert.deepEqual(found, []);
    });
  }

  /**
   * The outermost elements reaching past the viewport's right edge outside any box that scrolls or
   * clips them (or positioned out of one), to name in a failure.
   */
  const widest = (page: Page) =>
    page.evaluate<string>(`(() => {
      const clipped = (element) => {
        for (let at = element.parentElement; at && at !== document.body; at = at.parentElement) if (getComputedStyle(at).overflowX !== 'visible') return true;
        return false;
      };
      const past = (element) => element.getBoundingClientRect().right > innerWidth + 1;
      return [...document.querySelectorAll('body *')]
        .filter((element) => past(element) && (!clipped(element) || getComputedStyle(element).position === 'absolute') && !past(element.parentElement))
        .slice(0, 6)
        .map((element) => element.tagName.toLowerCase() + (typeof element.className === 'string' && element.className ? '.' + element.className.trim().split(/ +/).join('.') : '') + ' ' + Math.round(element.getBoundingClientRect().right) + 'px')
        .join(', ');
    })()`);

  it('fits every page into 360 px without horizontal scrolling', async () => {
    const { context, page } = await signedIn({ colorScheme: 'light', width: 360 });
    const overflowing: string[] = [];
    try {
      for (const screen of SCREENS) {
        await open(page, screen);
        const width = await page.evaluate<number>('document.documentElement.scrollWidth');
        if (width > 360) overflowing.push(`${screen.name}: ${width} px (${await widest(page)})`);
      }
    } finally {
      await context.close();
    }
    assert.deepEqual(overflowing, []);
  });
});
