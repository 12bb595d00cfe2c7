/**
 * Times in Chromium (issue 17, item 5): one format for every absolute time, labelled with its zone;
 * a switch between the browser's zone and UTC, kept across reloads; changes grouped by the days of
 * the chosen zone; the inventory history in absolute times. The browser runs in a zone chosen so
 * that the changes' local day is not their UTC day (UTC+14 late in the UTC day, UTC-12 early), so
 * every assertion tells the two apart. A real Muster process (embedded database) and Debian's
 * Chromium.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { ensureDashboardBuilt } from '../../scripts/build-dashboard.ts';
import { dayOf, formatDateTime, formatDay, zoneName } from '../../web/src/time.ts';
import { genericInventory } from '../fixtures/sample-inventories.ts';
import { eventually } from '../helpers/eventually.ts';
import { startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';
import { chromiumSkip, launchChromium, signInWithAdminToken } from '../helpers/chromium.ts';

const ADMIN_TOKEN = 'e2e-admin-token-time-zone-0123456789';
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+$/;

describe('times: one format with its zone, a UTC/local switch, days in the chosen zone, in Chromium', { skip: chromiumSkip }, () => {
  let muster: RunningMuster;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let systemId: string;
  let detectedAt: string;
  // Set in before(), once the changes' time is known.
  let zone: string;

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

  before(async () => {
    ensureDashboardBuilt();
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-time-zone-'));
    muster = await startMusterProcess({ DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'info' });

    const created = await call<{ id: string; system_key: string; system_secret: string }>('POST', '/api/v1/systems', { name: 'zoned-appliance' });
    systemId = created.id;
    await call('POST', '/api/systems/register', { system_secret: created.system_secret }, '');
    const basic = `Basic ${Buffer.from(`${created.system_key}:${created.system_secret}`).toString('base64')}`;
    const previous = genericInventory() as { os: { version: string } };
    previous.os.version = '9.2';
    await call('POST', '/api/systems/inventory', previous, basic);
    await eventually(async () => (await call<{ total: number }>('GET', `/api/v1/systems/${systemId}/inventory`)).total === 1, 'the first inventory processed');
    await call('POST', '/api/systems/inventory', genericInventory(), basic);
    detectedAt = await eventually(async () => {
      const diffs = await call<{ items: { detected_at: string }[] }>('GET', `/api/v1/systems/${systemId}/inventory/diffs`);
      return diffs.items[0]?.detected_at;
    }, 'the change detected');
    zone = new Date(detectedAt).getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Etc/GMT+12';
    assert.notEqual(dayOf(detectedAt, zone), dayOf(detectedAt, 'UTC'));

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 }, timezoneId: zone })).newPage();
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    muster?.child.kill('SIGTERM');
    await muster?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const dayHeadings = () => page.locator('.timeline h3.day').evaluateAll((headings) => headings.map((heading) => heading.firstChild?.textContent?.trim()));

  it('shows the changes under their day in the browser’s zone, then in UTC after the switch, and keeps the choice', async () => {
    await signInWithAdminToken(page, muster.url, ADMIN_TOKEN);

    const switcher = page.getByTestId('time-zone');
    assert.equal(await switcher.inputValue(), 'local');
    assert.equal(await switcher.locator('option[value="local"]').textContent(), `Local (${zone})`);

    await page.goto(`${muster.url}/systems/${systemId}/changes`);
    await page.locator('.change').filter({ hasText: 'os.version' }).waitFor();
    assert.deepEqual(await dayHeadings(), [formatDay(dayOf(detectedAt, zone))]);
    const localName = zoneName(zone, Date.parse(detectedAt));
    assert.equal(await page.locator('.change time').first().getAttribute('title'), formatDateTime(detectedAt, zone));
    await page.getByLabel(`From (${localName})`).waitFor();
    // The timeline's bars are the zone's days too (the API groups them with time_zone).
    assert.match((await page.locator('.chart-box[role="img"]').getAttribute('aria-label'))!, new RegExp(`${dayOf(detectedAt, zone)} 1`));

    await switcher.selectOption('utc');
    await page
      .locator('.timeline h3.day')
      .filter({ hasText: formatDay(dayOf(detectedAt, 'UTC')) })
      .waitFor();
    assert.deepEqual(await dayHeadings(), [formatDay(dayOf(detectedAt, 'UTC'))]);
    assert.equal(await page.locator('.change time').first().getAttribute('title'), formatDateTime(detectedAt, 'UTC'));
    await page.getByLabel('From (UTC)').waitFor();
    await eventually(
      async () => (await page.locator('.chart-box[role="img"]').getAttribute('aria-label'))?.includes(`${dayOf(detectedAt, 'UTC')} 1`),
      'the timeline regrouped by UTC days',
    );

    // A day picked in the filter is a day of the chosen zone: the change's UTC day finds it, its local day not.
    await page.getByLabel('From (UTC)').fill(dayOf(detectedAt, 'UTC'));
    await page.getByLabel('To (UTC)').fill(dayOf(detectedAt, 'UTC'));
    await page.locator('.change').filter({ hasText: 'os.version' }).waitFor();

    await page.reload();
    await page.locator('.change').filter({ hasText: 'os.version' }).waitFor();
    assert.equal(await page.getByTestId('time-zone').inputValue(), 'utc', 'the choice outlives a reload');
    assert.deepEqual(await dayHeadings(), [formatDay(dayOf(detectedAt, 'UTC'))]);
  });

  it('shows the inventory history and the audit log in absolute times in the chosen zone', async () => {
    const records = await call<{ items: { received_at: string }[] }>('GET', `/api/v1/systems/${systemId}/inventory`);
    await page.goto(`${muster.url}/systems/${systemId}/inventory`);
    await page.getByRole('heading', { name: 'History' }).waitFor();
    const received = () => page.locator('.card').filter({ hasText: 'History' }).locator('tbody tr td:nth-child(2) time').allTextContents();
    assert.deepEqual(
      await received(),
      records.items.map((record) => formatDateTime(record.received_at, 'UTC')),
    );

    await page.getByTestId('time-zone').selectOption('local');
    await eventually(async () => (await received())[0] === formatDateTime(records.items[0]!.received_at, zone), 'the history in the local zone');
    for (const text of await received()) assert.match(text, DATE_TIME);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const firstEntry = page.locator('table time').first();
    await firstEntry.waitFor();
    const iso = (await firstEntry.getAttribute('datetime'))!;
    assert.equal(await firstEntry.textContent(), formatDateTime(iso, zone));
    await page.getByTestId('time-zone').selectOption('utc');
    await eventually(async () => (await firstEntry.textContent()) === formatDateTime(iso, 'UTC'), 'the audit log in UTC');
  });
});
