/**
 * Metrics in the dashboard, end to end: a real Muster process (on PGlite, and on a fresh
 * PostgreSQL database when TEST_DATABASE_URL is set) driven in Debian's headless Chromium by
 * playwright-core. Appliances post samples over `POST /api/systems/metrics`; a system's Metrics
 * tab draws its CPU, memory, disk, GPU and container charts over a chosen range, a system
 * without samples says how to send them, and the overview ranks the fleet's busiest systems
 * within the organization switcher's choice. Screenshots go to artifacts/screenshots/ (not
 * committed).
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
const ADMIN_TOKEN = 'e2e-metrics-admin-token-0123456789abcdef';
const BASE_PATH = '/collect';
const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts', 'screenshots');
const MINUTE = 60_000;

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

interface Numbers {
  cpu: number;
  memory: number;
  disks: Record<string, number>;
  extra?: Record<string, unknown>;
}
const body = ({ cpu, memory, disks, extra }: Numbers, at: Date) => ({
  timestamp: at.toISOString(),
  cpu: { percent: cpu, loadavg: { '1m': 1.2, '5m': 1.1, '15m': 0.9 } },
  memory: { total_gb: 64, used_gb: (64 * memory) / 100, percent: memory },
  disks: Object.entries(disks).map(([mountpoint, percent]) => ({ mountpoint, percent, total_gb: 200, free_gb: 200 - 2 * percent })),
  ...extra,
});

// Both checks run in the page; they are scripts, since this project's TypeScript has no DOM types.

/**
 * Visible text inside `root` whose colour has less than 4.5:1 contrast with the background behind
 * it (axe's color-contrast rule for normal text, without its image and overlap cases).
 */
const LOW_CONTRAST_TEXTS = `(selector) => {
  const rgb = (value) => (value.match(/[\\d.]+/g) ?? []).map(Number);
  const channel = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let at = element; at; at = at.parentElement) {
      const color = rgb(getComputedStyle(at).backgroundColor);
      if (color.length === 3 || (color.length === 4 && color[3] > 0)) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const scope of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.textContent.trim() || element.closest('[aria-hidden="true"]') || !element.checkVisibility()) continue;
      const front = luminance(rgb(getComputedStyle(element).color));
      const back = luminance(background(element));
      const ratio = (Math.max(front, back) + 0.05) / (Math.min(front, back) + 0.05);
      if (ratio < 4.5) found.push(node.textContent.trim().slice(0, 40) + ' (' + ratio.toFixed(2) + ':1)');
    }
  }
  return found;
}`;
const lowContrastTexts = (page: Page, root: string) => page.evaluate<string[]>(`(${LOW_CONTRAST_TEXTS})(${JSON.stringify(root)})`);

/** Elements that can take focus inside a part hidden from assistive technology (axe's aria-hidden-focus). */
const focusableWhenHidden = (page: Page) =>
  page.evaluate<string[]>(`[...document.querySelectorAll('[aria-hidden="true"] *')]
    .filter((element) => element.matches('a[href], area[href], button, input, select, textarea, iframe, summary, [tabindex], [contenteditable]') && element.getAttribute('tabindex') !== '-1')
    .map((element) => element.outerHTML.slice(0, 80))`);

for (const kind of databaseKinds()) {
  describe(`metrics in the dashboard (Chromium, ${kind})`, { skip: chromiumMissing ? `${CHROMIUM} not installed` : false }, () => {
    let muster: RunningMuster;
    let dataDir: string;
    let dropDatabase: (() => Promise<void>) | undefined;
    let browser: Browser;
    let base: string;
    const systems: Record<string, { id: string; basic: string }> = {};

    async function admin<T = unknown>(method: string, route: string, payload?: unknown): Promise<{ status: number; body: T }> {
      const response = await fetch(`${base}api/v1/${route}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
    }

    /** A registered system of the organization, with its HTTP Basic credentials. */
    async function createSystem(name: string, organizationId: string) {
      const created = await admin<{ id: string; system_key: string; system_secret: string }>('POST', 'systems', { name, organization_id: organizationId });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const registered = await fetch(`${base}api/systems/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ system_secret: created.body.system_secret }),
      });
      assert.equal(registered.status, 200);
      systems[name] = { id: created.body.id, basic: `Basic ${Buffer.from(`${created.body.system_key}:${created.body.system_secret}`).toString('base64')}` };
    }

    /** Samples a minute apart, the last one now. */
    async function report(name: string, samples: Numbers[]) {
      const now = Date.now();
      for (const [index, numbers] of samples.entries()) {
        const response = await fetch(`${base}api/systems/metrics`, {
          method: 'POST',
          headers: { authorization: systems[name]!.basic, 'content-type': 'application/json' },
          body: JSON.stringify(body(numbers, new Date(now - (samples.length - 1 - index) * MINUTE))),
        });
        assert.equal(response.status, 200, await response.text());
      }
    }

    before(async () => {
      ensureDashboardBuilt();
      dataDir = await mkdtemp(path.join(tmpdir(), 'muster-e2e-metrics-'));
      const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_TOKEN, BASE_PATH, LOG_LEVEL: 'info' };
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

      const labs = await admin<{ id: string }>('POST', 'organizations', { name: 'Metrics labs' });
      const other = await admin<{ id: string }>('POST', 'organizations', { name: 'Metrics elsewhere' });
      assert.equal(labs.status, 201);
      assert.equal(other.status, 201);
      for (const name of ['alpha', 'beta', 'silent']) await createSystem(name, labs.body.id);
      await createSystem('gamma', other.body.id);

      const gpuAndContainers = (cpu: number, containers: { name: string; cpu_pct: number; mem_mb: number }[]) => ({
        gpus: [{ index: 0, utilization_pct: cpu - 8, memory_used_mb: 9000, memory_total_mb: 24576 }],
        containers,
      });
      const trainer = (cpu: number) => ({ name: 'trainer', cpu_pct: cpu / 5, mem_mb: 2048 });
      // alpha: the busiest CPU of its organization; an "old-job" container that stopped reporting after the first sample.
      await report(
        'alpha',
        [35, 50, 62, 71, 80].map((cpu, index) => ({
          cpu,
          memory: 40,
          disks: { '/': 50 },
          extra: gpuAndContainers(cpu, index === 0 ? [trainer(cpu), { name: 'old-job', cpu_pct: 3, mem_mb: 512 }] : [trainer(cpu)]),
        })),
      );
      await report('beta', [
        { cpu: 15, memory: 88, disks: { '/': 30, '/data': 94 } },
        { cpu: 20, memory: 90, disks: { '/': 30, '/data': 95 } },
      ]);
      await report('gamma', [{ cpu: 99, memory: 10, disks: { '/': 10 } }]);
    });

    after(async () => {
      await browser?.close();
      muster?.child.kill('SIGTERM');
      await muster?.exited;
      await dropDatabase?.();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    /** A fresh context signed in with the admin token, on the overview. */
    async function signIn(): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(base);
      await page.getByText('Bootstrap: sign in with the admin token').click();
      await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in with the token' }).click();
      await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
      return page;
    }
    const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${kind}.png`), fullPage: true });
    const chart = (page: Page, testId: string) => page.getByTestId(testId);

    it("draws a system's CPU, memory, disk, GPU and container charts, with text alternatives, and redraws them for another range", async () => {
      const page = await signIn();
      await page.goto(`${base}systems/${systems.alpha!.id}`);
      await page.getByRole('tab', { name: 'Metrics' }).click();
      await page.waitForURL(/\/metrics$/);
      for (const testId of ['chart-cpu', 'chart-load', 'chart-memory', 'chart-memory-percent', 'chart-disk-/', 'chart-gpu-0', 'chart-container-trainer']) {
        await chart(page, testId).waitFor();
        assert.ok((await chart(page, testId).locator('.recharts-line-curve, .recharts-line-dots circle').count()) > 0, `${testId} draws its lines`);
      }
      await chart(page, 'chart-cpu').getByRole('heading', { name: 'CPU', exact: true }).waitFor();
      assert.equal(await page.locator('[data-testid^="chart-disk-"]').count(), 1, 'alpha has one disk');
      const resolution = page.getByTestId('metrics-resolution');
      assert.equal(await resolution.getAttribute('data-step'), '300', '24 h: 5-minute steps, about 300 points');
      assert.equal(await resolution.getAttribute('data-resolution'), '5m');
      await shot(page, 'metrics-tab-24h');
      assert.deepEqual(await focusableWhenHidden(page), []);
      assert.deepEqual(await lowContrastTexts(page, 'main'), [], 'light theme');

      // An hour: a point a minute, from the raw samples, so each sample is its own point.
      await page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '1 h' }).click();
      await page.locator('[data-testid="metrics-resolution"][data-step="60"]').waitFor();
      assert.equal(await resolution.getAttribute('data-resolution'), 'raw');
      assert.equal(await page.getByRole('button', { name: '1 h' }).getAttribute('aria-pressed'), 'true');
      await chart(page, 'chart-gpu-0').waitFor();
      const cpuSummary = chart(page, 'chart-cpu').locator('.chart-summary');
      await cpuSummary.filter({ hasText: '(5 points)' }).waitFor();
      assert.match((await cpuSummary.textContent())!, /CPU: latest 80 %, lowest 35 %, highest 80 %/);
      assert.match((await chart(page, 'chart-disk-/').textContent())!, /100 GB free of 200 GB/);
      // Containers: the one still in the reports, and the one that dropped out of them.
      assert.deepEqual(await page.locator('[data-container="trainer"] td').allTextContents(), ['trainer', 'reporting', '16 %', '2,048 MB']);
      assert.equal(await page.locator('[data-container="old-job"] td').nth(1).textContent(), 'not reporting');
      await chart(page, 'chart-container-old-job').getByRole('heading', { name: 'Container old-job (not reporting)' }).waitFor();
      // The table alternative lists the points.
      await chart(page, 'chart-cpu').getByText('Data table').click();
      assert.equal(await chart(page, 'chart-cpu').locator('tbody tr').count(), 5);
      await shot(page, 'metrics-tab');

      await page.getByRole('button', { name: /^Switch to dark theme$/ }).click();
      await shot(page, 'metrics-tab-dark');
      assert.deepEqual(await lowContrastTexts(page, 'main'), [], 'dark theme');
      assert.deepEqual(await focusableWhenHidden(page), []);

      // A custom range before the first sample: no chart, and a word on why.
      await page.getByRole('button', { name: 'Custom' }).click();
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * MINUTE);
      const local = (at: Date) => new Date(at.getTime() - at.getTimezoneOffset() * MINUTE).toISOString().slice(0, 16);
      const custom = page.getByRole('form', { name: 'Custom range' });
      await custom.getByLabel('From').fill(local(new Date(twoDaysAgo.getTime() - 60 * MINUTE)));
      await custom.getByLabel('To').fill(local(twoDaysAgo));
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByText('No samples in this range').waitFor();
      assert.equal(await page.locator('.metric-chart').count(), 0);
      await page.context().close();
    });

    it('tells how to send metrics on the tab of a system that sent none', async () => {
      const page = await signIn();
      await page.goto(`${base}systems/${systems.silent!.id}/metrics`);
      const empty = page.getByRole('status').filter({ hasText: 'This system has not sent metrics yet' });
      await empty.waitFor();
      assert.match((await empty.textContent())!, /POST \/api\/systems\/metrics.*\/monitoring\/api\/report/s);
      await page.context().close();
    });

    it("ranks the fleet's top systems by CPU, memory and fullest disk within the organization switcher's choice, each linking to its Metrics tab", async () => {
      const page = await signIn();
      const names = (list: string) => page.getByTestId(list).locator('li .ranking-name').allTextContents();
      const ranked = (list: string, expected: string[]) =>
        eventually(async () => JSON.stringify(await names(list)) === JSON.stringify(expected), `${list} to rank ${expected.join(', ')}`, 5000);
      await ranked('top-cpu', ['gamma', 'alpha', 'beta']);

      await page.getByLabel('Organization').selectOption({ label: 'Metrics labs' });
      await ranked('top-cpu', ['alpha', 'beta']);
      assert.deepEqual(await page.getByTestId('top-cpu').getByTestId('top-value').allTextContents(), ['80 %', '20 %']);
      await ranked('top-memory', ['beta', 'alpha']);
      // Each system by its fullest disk, named.
      await ranked('top-disk', ['beta /data', 'alpha /']);
      await shot(page, 'metrics-top-systems');
      assert.deepEqual(await lowContrastTexts(page, '.top-lists'), []);
      assert.deepEqual(await focusableWhenHidden(page), [], 'the status chart is decoration');

      await page.getByTestId('top-disk').getByRole('link', { name: 'beta' }).click();
      await page.waitForURL(new RegExp(`/systems/${systems.beta!.id}/metrics$`));
      assert.equal(await page.getByRole('tab', { name: 'Metrics' }).getAttribute('aria-selected'), 'true');
      await chart(page, 'chart-disk-/data').waitFor();
      await chart(page, 'chart-disk-/').waitFor();
      assert.equal(await page.locator('[data-testid^="chart-gpu-"]').count(), 0, 'no GPU chart without GPU samples');
      assert.equal(await page.getByRole('region', { name: 'Containers' }).count(), 0);
      await page.context().close();
    });
  });
}
