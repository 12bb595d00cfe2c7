/**
 * Micro-benchmark of the inventory diff, its classification and the canonical hash. A plain
 * script, not a test: run it and read the numbers.
 *
 *   node bench/diff-micro-bench.ts [seconds per case, default 1]
 *
 * Pairs are realistic: a ~15 KB NethServer 8 cluster inventory and a NethSecurity one, each
 * against a copy with a handful of changes (a module update, a new module, uptimes and memory
 * that moved), built once and diffed repeatedly. The goal is at most 200 µs per pair.
 */
import { canonicalJson, inventoryHash, writeCanonicalJson } from '../src/features/inventory/diff/canonical-json.ts';
import { classifyChange, loadChangeRules } from '../src/features/inventory/diff/change-rules.ts';
import { diffInventories } from '../src/features/inventory/diff/inventory-diff.ts';
import { ns8Inventory, nsecInventory } from '../test/fixtures/sample-inventories.ts';

type Json = Record<string, unknown>;
interface Ns8Facts {
  modules: Json[];
  nodes: Record<string, { uptime_seconds: number; memory: { system: { used_bytes: number } } }>;
}
interface NsecFacts {
  uptime_seconds: number;
  memory: { system: { used_bytes: number } };
  features: { dhcp_server: { dynamic_leases: number } };
  distro: { version: string };
}

const secondsPerCase = Number(process.argv[2] ?? 1);
const rules = loadChangeRules(new URL('../rules/inventory-rules.json', import.meta.url).pathname);

function ns8Pair(): [Json, Json] {
  const before = ns8Inventory();
  const after = ns8Inventory();
  const facts = after.facts as Ns8Facts;
  facts.modules[3]!.version = '1.6.5';
  facts.modules.push({ ...facts.modules[0], id: 'traefik2', node: '4' });
  facts.modules.reverse();
  for (const node of Object.values(facts.nodes)) {
    node.uptime_seconds += 21_600;
    node.memory.system.used_bytes += 12_345_678;
  }
  return [before, after];
}

function nsecPair(): [Json, Json] {
  const before = nsecInventory();
  const after = nsecInventory();
  const facts = after.facts as NsecFacts;
  facts.uptime_seconds += 21_600;
  facts.memory.system.used_bytes += 1_000_000;
  facts.features.dhcp_server.dynamic_leases = 71;
  facts.distro.version = '8.5.2';
  return [before, after];
}

/** Microseconds per call of `work`, run for about `seconds` after `warmUps` calls. */
function measure(work: () => unknown, seconds: number, warmUps = 200): number {
  for (let i = 0; i < warmUps; i++) work();
  const started = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let calls = 0;
  let elapsed = 0n;
  while (elapsed < budget) {
    work();
    calls++;
    elapsed = process.hrtime.bigint() - started;
  }
  return Number(elapsed) / 1000 / calls;
}

function report(name: string, value: number, unit: string): void {
  console.log(`${name.padEnd(44)} ${value.toFixed(1).padStart(9)} ${unit}`);
}

for (const [label, [before, after]] of [
  ['ns8 (15 KB)', ns8Pair()],
  ['nethsecurity (4 KB)', nsecPair()],
] as const) {
  const size = JSON.stringify(after).length;
  const { changes } = diffInventories(before, after);
  console.log(`\n${label}: ${size} bytes, ${changes.length} changes: ${changes.map((change) => change.path).join(', ')}`);
  report(
    'diffInventories',
    measure(() => diffInventories(before, after), secondsPerCase),
    'µs/pair',
  );
  report(
    'diffInventories + classifyChange (all)',
    measure(() => diffInventories(before, after).changes.map((change) => classifyChange(change, rules)), secondsPerCase),
    'µs/pair',
  );
  report(
    '  same, category cache emptied each time',
    measure(() => {
      rules.areaCache.clear();
      return diffInventories(before, after).changes.map((change) => classifyChange(change, rules));
    }, secondsPerCase),
    'µs/pair',
  );
  const same = structuredClone(before);
  report(
    'diffInventories, equal snapshots',
    measure(() => diffInventories(before, same), secondsPerCase),
    'µs/pair',
  );
  report(
    'inventoryHash',
    measure(() => inventoryHash(after), secondsPerCase),
    'µs/inventory',
  );
}

// A 10 MB inventory: canonical JSON must stay close to JSON.stringify.
const big = { installation: 'nethserver', facts: { nodes: {}, modules: [] as Json[] } };
for (let i = 0; i < 2400; i++) big.facts.modules.push(...(ns8Inventory().facts as Ns8Facts).modules);
const bigText = JSON.stringify(big);
console.log(`\n10 MB-class inventory: ${(bigText.length / 1e6).toFixed(1)} MB`);
for (const [name, work] of [
  ['JSON.stringify (reference, unsorted)', () => JSON.stringify(big)],
  ['canonicalJson', () => canonicalJson(big)],
  ['writeCanonicalJson (fallback path)', () => writeCanonicalJson(big)],
  ['inventoryHash', () => inventoryHash(big)],
] as const) {
  report(name, measure(work, secondsPerCase * 3, 3) / 1000, 'ms/inventory');
}
