/**
 * Builds the operator dashboard (web/) into web/dist when its sources changed since the last
 * build: `npm start` runs it first, so `npm ci && npm start` serves a current dashboard. A
 * fingerprint of the sources sits beside the build; `--force` rebuilds regardless.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const WEB = path.join(ROOT, 'web');
const DIST = path.join(WEB, 'dist');
const STAMP = path.join(DIST, '.source-fingerprint');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((name) => path.join(WEB, name));

function files(entry: string): string[] {
  if (!existsSync(entry)) return [];
  if (!statSync(entry).isDirectory()) return [entry];
  return readdirSync(entry, { recursive: true, withFileTypes: true })
    .filter((item) => item.isFile())
    .map((item) => path.join(item.parentPath, item.name));
}

export function sourceFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(files).sort()) {
    hash.update(path.relative(WEB, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(readFileSync(path.join(ROOT, 'package-lock.json')));
  return hash.digest('hex');
}

/** Builds unless web/dist already holds a build of these sources; returns whether it built. */
export function ensureDashboardBuilt(force = false): boolean {
  const fingerprint = sourceFingerprint();
  if (!force && existsSync(path.join(DIST, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === fingerprint) return false;
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`building the dashboard failed (vite exited with ${result.status ?? result.signal})`);
  writeFileSync(STAMP, fingerprint);
  return true;
}

if (import.meta.main) {
  const built = ensureDashboardBuilt(process.argv.includes('--force'));
  console.log(built ? 'dashboard built into web/dist' : 'dashboard up to date (web/dist)');
}
