/**
 * The host-inventory API at fleet size (issue 16): hosts written straight to the tables (with
 * profiles derived by the real mapping from varied inventories of the three appliance shapes),
 * then `GET /api/inventory/v1/hosts` timed one request at a time from the bench process: no
 * filter, a tag filter, two system-profile filters, sparse profile fields. Also the cost of
 * deriving a profile per inventory shape. Goals: p50 < 50 ms, p99 < 150 ms each.
 */
import { DB_LABEL, type DbKind, progress } from './lib/basics.ts';
import { defaultOrganizationKey } from './lib/admin.ts';
import { musterRunFacts, postgresSkipped, prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import type { MusterProcess } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, percentile, writeBenchmarkSection, runPreamble } from './lib/report.ts';
import { openPglite, openPostgres } from './liveness/liveness-fleet.ts';
import { derivationCost, writeHosts } from './host-inventory/host-fleet.ts';

export interface HostInventoryOptions {
  dbs: DbKind[];
  hosts: { pglite: number; postgres: number };
  queries: number;
}

interface QueryTiming {
  name: string;
  path: string;
  total: number;
  count: number;
  p50: number;
  p99: number;
  max: number;
}

const KINDS: { name: string; path: (i: number) => string }[] = [
  { name: 'no filter (default order: last modified)', path: (i) => `/hosts?page=${1 + (i % 5)}` },
  { name: 'tag filter', path: (i) => `/hosts?tags=insights/env=${['prod', 'test', 'dev'][i % 3]}&page=${1 + (i % 3)}` },
  {
    name: 'two system-profile filters',
    path: (i) => `/hosts?filter[system_profile][arch]=x86_64&filter[system_profile][number_of_cpus][gte]=${[8, 16, 32][i % 3]}&page=${1 + (i % 3)}`,
  },
  { name: 'sparse profile fields', path: (i) => `/hosts?fields[system_profile]=arch,os_release,number_of_cpus&page=${1 + (i % 5)}` },
];

async function timeQueries(muster: MusterProcess, key: string, count: number): Promise<QueryTiming[]> {
  const timings: QueryTiming[] = [];
  for (const kind of KINDS) {
    const durations: number[] = [];
    let total = 0;
    let answered = 0;
    for (let i = 0; i < count + 10; i++) {
      const path = kind.path(i);
      const started = performance.now();
      const response = await fetch(`${muster.url}/api/inventory/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await response.json()) as { total: number; count: number };
      const took = performance.now() - started;
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
      // The first ten warm the caches (and the statements' plans).
      if (i >= 10) durations.push(took);
      total = body.total;
      answered = body.count;
    }
    durations.sort((a, b) => a - b);
    timings.push({
      name: kind.name,
      path: kind.path(0),
      total,
      count: answered,
      p50: percentile(durations, 50),
      p99: percentile(durations, 99),
      max: durations.at(-1)!,
    });
  }
  return timings;
}

async function benchDb(db: DbKind, options: HostInventoryOptions) {
  const hosts = options.hosts[db];
  const target = await prepareDatabase(db, 'muster-bench-hosts-');
  const env = { LOG_LEVEL: 'warn' };
  let muster = await startMusterOn(target, { env });
  const setupStarted = performance.now();
  const { organization, key } = await defaultOrganizationKey(muster, 'bench', ['host-inventory:read']);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  // PGlite is one process's files: the hosts go in with Muster stopped.
  const firstExit = db === 'pglite' ? await muster.stop() : undefined;
  progress(`${DB_LABEL[db]}: writing ${fmt(hosts)} hosts`);
  const runner = target.scratch ? await openPostgres(target.scratch.url) : await openPglite(target.dataDir);
  const written = await writeHosts(runner, organization, hosts, new Date()).finally(() => runner.close());
  if (db === 'pglite') muster = await startMusterOn(target, { env });
  progress(`${DB_LABEL[db]}: timing ${options.queries} requests of each kind`);
  const queries = await timeQueries(muster, key, options.queries);
  const exit = await muster.stop();
  await target.scratch?.drop();
  return { db, hosts, written, queries, facts: musterRunFacts(target, muster, firstExit ?? exit, setupSeconds) };
}

const HEADER = ['GET /api/inventory/v1/hosts', 'Matching hosts', 'Per page', 'p50 ms', 'p99 ms', 'max ms'];
type Result = Awaited<ReturnType<typeof benchDb>>;
const rows = (result: Result) =>
  result.queries.map((q) => [`${q.name}: \`${q.path}\``, fmt(q.total), fmt(q.count), fmt(q.p50, 1), fmt(q.p99, 1), fmt(q.max, 1)]);

export async function runHostInventoryBench(options: HostInventoryOptions): Promise<void> {
  const derivation = derivationCost(2_000);
  const derivationTable = markdownTable(
    ['Profile derivation (deriveHostProfile)', 'Inventory bytes', 'µs per inventory'],
    derivation.map((d) => [d.shape, fmt(d.bytes), fmt(d.us, 1)]),
  );
  for (const db of options.dbs) {
    if (await postgresSkipped(db, 'Host inventory')) continue;
    const machine = machineInfo();
    const result = await benchDb(db, options);
    const details = [
      `${fmt(result.hosts)} hosts of one organization (a third each generic, NethServer 8, NethSecurity; labels \`insights/env\` prod/test/dev and \`role\`; check-ins over the last 48 h, so about 40 % are stale) written straight to the tables in ${fmt(result.written.writeSeconds, 1)} s, their profiles derived by deriveHostProfile in ${fmt(result.written.deriveMs / 1000, 1)} s (${fmt((result.written.deriveMs / result.hosts) * 1000, 1)} µs each), then VACUUM ANALYZE (as autovacuum would after a bulk insert).`,
      `${options.queries} requests of each kind after 10 to warm up, one at a time from the bench process over HTTP (pages and values varied), with a host-inventory:read key; default staleness (fresh, stale, stale_warning).`,
      `Muster: started in ${fmt(result.facts.startupMs)} ms; exit code ${result.facts.exit.code}; log lines at warn or above: ${result.facts.logProblems.length}${result.facts.logProblems.length ? ` (${result.facts.logProblems.map((line) => line.slice(0, 300)).join(' · ')})` : ''}.`,
    ];
    const body = [
      `## Host-inventory dialect — ${DB_LABEL[db]}`,
      '',
      ...runPreamble(machine, result.facts),
      `- Goals: p50 < 50 ms, p99 < 150 ms for each request kind (PostgreSQL, 100,000 hosts)`,
      '',
      markdownTable(HEADER, rows(result)),
      '',
      derivationTable,
      '',
      ...details.map((line) => `- ${line}`),
    ].join('\n');
    await writeBenchmarkSection('host-inventory', db, body);
    console.log(`\nHost inventory — ${DB_LABEL[db]}\n`);
    console.log(markdownTable(HEADER, rows(result)));
    console.log(derivationTable);
    for (const line of details) console.log(`  - ${line}`);
  }
}
