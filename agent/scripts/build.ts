/**
 * `npm run build -w agent`: the agent as one executable that needs no Node on the target
 * (ADR 0024). esbuild bundles src/main.ts and its dependencies into one CommonJS file; Node's
 * single-executable-application support turns it into a blob, which postject injects into a
 * copy of the Node 24 binary this build runs on (the `node` package's, under npm run).
 * Output, all that install.sh needs on the target: dist/muster-agent, dist/install.sh and
 * dist/muster-agent.service (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

const agentDir = path.join(import.meta.dirname, '..');
const dist = path.join(agentDir, 'dist');
const bundle = path.join(dist, 'muster-agent.cjs');
const blob = path.join(dist, 'muster-agent.blob');
const executable = path.join(dist, 'muster-agent');
/** The fuse Node's binary carries for SEA (documented with the feature). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const started = performance.now();
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

await build({
  entryPoints: [path.join(agentDir, 'src', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const seaConfig = path.join(dist, 'sea-config.json');
// --jitless: V8 interprets and compiles nothing. The agent idles between short collections, so it
// costs no measurable CPU, and it spares several MB of resident code (ADR 0024, BENCHMARKS.md).
// No code cache: V8 rejects one made without the flags it runs with (and says so at every start).
const execArgv = ['--jitless'];
await writeFile(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, execArgv }));
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'ignore' });

await copyFile(process.execPath, executable);
const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
// postject warns about the binary's many note sections; its own failure still fails the build.
execFileSync(process.execPath, [postject, executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'ignore' });

for (const file of ['install.sh', 'muster-agent.service']) await copyFile(path.join(agentDir, 'packaging', file), path.join(dist, file));
await chmod(path.join(dist, 'install.sh'), 0o755);
await rm(blob);
await rm(seaConfig);

const version = execFileSync(executable, ['--help'], { encoding: 'utf8' }).split('\n')[0];
console.log(`built ${path.relative(process.cwd(), executable)} in ${Math.round(performance.now() - started)} ms: ${version}`);
