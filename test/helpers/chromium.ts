/**
 * Debian's Chromium for the dashboard's browser tests: where it is, the skip (or, with CI=true, the
 * failure) when it is missing, a launch with the flags this machine needs, and the admin-token
 * sign-in every test starts with.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

/** A describe's `skip` option: the reason when Chromium is not installed (outside CI), else false. */
export const chromiumSkip: string | false = missing ? `${CHROMIUM} not installed` : false;

/** Headless, as root, without the background connections this machine's closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Signs in through the folded-away admin-token form and waits for the overview. */
export async function signInWithAdminToken(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByText('Bootstrap: sign in with the admin token').click();
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
}
