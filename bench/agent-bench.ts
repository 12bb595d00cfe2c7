/**
 * Agent footprint benchmark: the built single executable (agent/dist/muster-agent, built if
 * missing) runs `run` at its default intervals, collecting this machine for real, against a local
 * Muster on PGlite for `minutes` (default 10). Its RSS and CPU time are read from /proc/<pid>
 * every 5 s; each collection's time and each report's bytes, before and after gzip, come from
 * the agent's own log lines and one `collect`. Goals: RSS under 80 MB, average CPU under 0.5 %
 * of one core.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { agentLogLines, ensureBuiltAgent } from '../agent/scripts/built-executable.ts';
import { DB_LABEL, progress, sleep } from './lib/basics.ts';
import { onCleanup } from './lib/cleanups.ts';
import { createFleet } from './lib/fleet.ts';
import { cpuSeconds, peakRssFromProc, rssFromProc } from './lib/proc-readings.ts';
import { makeTempDir, startMuster } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, mib, runPreamble, writeBenchmarkSection } from './lib/report.ts';

const MB = 1000 * 1000;

interface LogLine {
  msg: string;
  kind?: string;
  collect_ms?: number;
  json_bytes?: number;
  wire_bytes?: number;
}

interface Reading {
  atS: number;
  rss: number;
  /** Resident memory of the agent's own (heap, stacks): the rest of its RSS is the executable's pages, shared and clean. */
  rssAnon: number;
  cpuS: number;
}

function rssAnonFromProc(pid: number): number {
  const match = /^RssAnon:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

export async function runAgentBench(options: { minutes: number }): Promise<void> {
  const executable = await ensureBuiltAgent();
  const loadBefore = os
    .loadavg()
    .map((load) => fmt(load, 2))
    .join(' ');
  const dir = await makeTempDir('muster-bench-agent-');
  const muster = await startMuster({ dataDir: path.join(dir, 'muster'), label: 'muster (agent bench)' });
  onCleanup(() => muster.stop(10_000).then(() => undefined));
  const [system] = await createFleet(muster, 1, () => ({ name: 'bench-agent' }));
  const home = { config: path.join(dir, 'agent.json'), stateDir: path.join(dir, 'agent-state') };
  await mkdir(home.stateDir, { recursive: true });
  await writeFile(home.config, JSON.stringify({ url: muster.url, system_key: system!.systemKey, system_secret: system!.secret }), { mode: 0o600 });
  const env = { PATH: process.env.PATH ?? '', MUSTER_AGENT_CONFIG: home.config, MUSTER_AGENT_STATE_DIR: home.stateDir };

  const review = JSON.parse(execFileSync(executable, ['collect'], { env, encoding: 'utf8' })) as {
    collection: Record<'inventory' | 'metrics', { ms: number; json_bytes: number; gzip_bytes: number }>;
  };

  progress(`agent bench: ${options.minutes} min of muster-agent run at its default intervals`);
  const agent = spawn(executable, ['run'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = agent.pid!;
  onCleanup(async () => {
    if (agent.exitCode === null) agent.kill('SIGKILL');
  });
  // A line that is not the agent's JSON is counted with the problems below.
  const lines = agentLogLines<LogLine>(agent.stderr, (line) => ({ msg: line }));

  const started = performance.now();
  const readings: Reading[] = [];
  const durationS = options.minutes * 60;
  for (;;) {
    const atS = (performance.now() - started) / 1000;
    readings.push({ atS, rss: rssFromProc(pid) ?? 0, rssAnon: rssAnonFromProc(pid), cpuS: cpuSeconds(pid) ?? 0 });
    if (atS >= durationS) break;
    await sleep(Math.min(5000, (durationS - atS) * 1000));
  }
  const peakRss = peakRssFromProc(pid) ?? 0;
  agent.kill('SIGTERM');
  await new Promise((resolve) => agent.once('exit', resolve));

  const last = readings.at(-1)!;
  const afterFirstMinute = readings.find((reading) => reading.atS >= 60) ?? readings[0]!;
  const steadyCpuPercent = last.atS > afterFirstMinute.atS ? (100 * (last.cpuS - afterFirstMinute.cpuS)) / (last.atS - afterFirstMinute.atS) : 0;
  const averageCpuPercent = (100 * last.cpuS) / last.atS;
  const rssValues = readings.map((reading) => reading.rss).filter((rss) => rss > 0);
  const meanRss = rssValues.reduce((sum, rss) => sum + rss, 0) / rssValues.length;
  const peakAnon = Math.max(...readings.map((reading) => reading.rssAnon));

  const perKind = (kind: 'heartbeat' | 'inventory' | 'metrics') => {
    const spooled = lines.filter((line) => line.msg === 'record spooled' && line.kind === kind);
    const sent = lines.filter((line) => line.msg === 'record sent' && line.kind === kind);
    const times = spooled.map((line) => line.collect_ms ?? 0).sort((a, b) => a - b);
    return {
      count: sent.length,
      medianMs: times.length ? times[Math.floor(times.length / 2)]! : undefined,
      maxMs: times.at(-1),
      wire: sent.at(-1)?.wire_bytes,
    };
  };
  const inventory = perKind('inventory');
  const metrics = perKind('metrics');
  const problems = lines.filter((line) => line.msg !== 'record spooled' && line.msg !== 'record sent' && !/started|stopping|stopped/.test(line.msg));

  const machine = machineInfo();
  const rssGoal = peakRss < 80 * MB;
  const cpuGoal = steadyCpuPercent < 0.5;
  const report = [
    `## Agent footprint — ${DB_LABEL.pglite} Muster`,
    '',
    ...runPreamble(machine, { nodeVersion: process.versions.node, loadBefore }),
    `- Parameters: \`muster-agent run\` (the single executable, ${mib((await stat(executable)).size)}) at its default intervals (heartbeat 300 s, metrics 60 s, inventory checked every 300 s, jitter 10 %), collecting this machine, for ${options.minutes} min against a local Muster on PGlite; /proc/${'<pid>'} read every 5 s (${readings.length} readings).`,
    '',
    markdownTable(
      ['RSS mean', 'RSS peak (VmHWM)', 'of which its own (RssAnon peak)', 'CPU whole run', 'CPU after the first minute', 'CPU s per hour (steady)'],
      [[mib(meanRss), mib(peakRss), mib(peakAnon), `${fmt(averageCpuPercent, 3)} %`, `${fmt(steadyCpuPercent, 3)} %`, fmt((steadyCpuPercent / 100) * 3600, 1)]],
    ),
    '',
    markdownTable(
      ['report', 'sent', 'collection median', 'collection max', 'JSON bytes', 'gzip bytes', 'bytes on the wire'],
      [
        [
          'inventory',
          String(inventory.count),
          `${fmt(inventory.medianMs)} ms`,
          `${fmt(inventory.maxMs)} ms`,
          String(review.collection.inventory.json_bytes),
          String(review.collection.inventory.gzip_bytes),
          String(inventory.wire ?? '–'),
        ],
        [
          'metrics',
          String(metrics.count),
          `${fmt(metrics.medianMs)} ms`,
          `${fmt(metrics.maxMs)} ms`,
          String(review.collection.metrics.json_bytes),
          String(review.collection.metrics.gzip_bytes),
          String(metrics.wire ?? '–'),
        ],
      ],
    ),
    '',
    `- Goals: RSS under 80 MB — ${rssGoal ? 'met' : '**not met**'} (peak ${fmt(peakRss / MB, 1)} MB); average CPU under 0.5 % of one core — ${cpuGoal ? 'met' : '**not met**'} (${fmt(steadyCpuPercent, 3)} % after the first minute).`,
    `- RSS counts the executable's own pages that the agent touched (Node's code and read-only data, file-backed, clean and shared with any other process running it); its private memory is the RssAnon column. Run --jitless (ADR 0024).`,
    `- Bodies over 1 KB are sent gzip-compressed; the gzip column is what compression gives any body. Warnings and errors logged: ${problems.length}.`,
  ];
  console.log(`\n${report.join('\n')}\n`);
  await writeBenchmarkSection('agent', 'pglite', report.join('\n'));
}
