/**
 * Cost of the JSON limits (src/http/json-limits.ts) on 10 MB bodies, beside JSON.parse of the
 * same text. A plain script, not a test and not a load test: run it and read the numbers.
 *
 *   node bench/json-limits-timing.ts [rounds, default 10]
 *
 * Bodies: a 10 MB inventory shaped like real ones (the fixtures' three flavours, 640 of them
 * under one object), the same pretty-printed, 10 MB of one string full of escapes, and 10 MB of
 * `[0,0,…]` (refused at the values limit, so it shows where the scan stops).
 */
import { findJsonLimitViolation } from '../src/http/json-limits.ts';
import { loadConfig } from '../src/config/config.ts';
import { createInventoryGenerator, INVENTORY_FLAVOURS } from './inventory-fixtures/inventory-generator.ts';

const rounds = Number(process.argv[2] ?? 10);
const limits = loadConfig({}).apiJsonLimits;
const TEN_MB = 10 * 1024 * 1024;

function realInventory(space?: number): string {
  const systems: Record<string, unknown> = {};
  const generators = INVENTORY_FLAVOURS.map((flavour, index) => createInventoryGenerator({ seed: index + 1, flavour }));
  let bytes = 0;
  for (let index = 0; bytes < TEN_MB * 0.97; index++) {
    const inventory = generators[index % generators.length]!.initial();
    systems[`system-${index}`] = inventory;
    bytes += JSON.stringify(inventory, null, space).length;
  }
  // Nesting indents the pretty-printed text further: drop systems until it fits.
  const keys = Object.keys(systems);
  for (;;) {
    const text = JSON.stringify({ installation: 'nethserver', facts: { systems } }, null, space);
    if (text.length <= TEN_MB) return text;
    for (let drop = 0; drop < Math.ceil((keys.length * (text.length - TEN_MB)) / text.length) + 1; drop++) delete systems[keys.pop()!];
  }
}

const bodies: [string, string][] = [
  ['real-shaped inventory', realInventory()],
  ['real-shaped, pretty-printed', realInventory(2)],
  ['one string of escapes', JSON.stringify({ text: '"\\\n\t\u00e9'.repeat(TEN_MB / 12) })],
  ['[0,0,…] (refused)', `[${'0,'.repeat(TEN_MB / 2 - 1)}0]`],
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

for (const [name, text] of bodies) {
  const scan: number[] = [];
  const parse: number[] = [];
  let verdict = '';
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    verdict = findJsonLimitViolation(text, limits)?.limit ?? 'accepted';
    scan.push(performance.now() - started);
    started = performance.now();
    JSON.parse(text);
    parse.push(performance.now() - started);
  }
  const scanMs = median(scan);
  const parseMs = median(parse);
  console.log(
    `${name.padEnd(30)} ${(text.length / 1024 / 1024).toFixed(1)} MB  scan ${scanMs.toFixed(1)} ms  JSON.parse ${parseMs.toFixed(1)} ms  (scan = ${((100 * scanMs) / parseMs).toFixed(0)} % of parse, ${verdict})`,
  );
}
