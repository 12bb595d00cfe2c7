/** The diff engine, in this process: diff and classification per pair of consecutive generated rounds, per flavour. */
import { classifyChange, loadChangeRules } from '../../src/features/inventory/diff/change-rules.ts';
import { inventoryHash } from '../../src/features/inventory/diff/canonical-json.ts';
import { diffInventories } from '../../src/features/inventory/diff/inventory-diff.ts';
import { createInventoryGenerator, INVENTORY_FLAVOURS, type InventoryFlavour } from '../inventory-fixtures/inventory-generator.ts';
import { percentile } from '../lib/report.ts';
import { RULES_FILE } from './inventory-settings.ts';

export interface DiffResult {
  flavour: InventoryFlavour;
  pairs: number;
  meanBytes: number;
  meanChanges: number;
  /** Median, min and max over the batches of µs per pair (diff + classification of every change). */
  median: number;
  min: number;
  max: number;
  batches: number;
  /** diffInventories alone, median µs per pair. */
  diffOnly: number;
  /** JSON.parse + inventoryHash (what ingest does to each body), median µs per inventory. */
  ingestCpu: number;
}

export const DIFF_PAIRS = 64;
export const DIFF_BATCHES = 25;
export const DIFF_BATCH_MS = 40;

/** Median over DIFF_BATCHES batches of µs per item; each batch runs `pass` (over `items` items) for about DIFF_BATCH_MS. */
function batchesOf(pass: () => void, items: number): number[] {
  for (let i = 0; i < 20; i++) pass(); // warm-up: let the JIT settle
  const results: number[] = [];
  for (let batch = 0; batch < DIFF_BATCHES; batch++) {
    let passes = 0;
    const started = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(DIFF_BATCH_MS * 1e6)) {
      pass();
      passes++;
      elapsed = process.hrtime.bigint() - started;
    }
    results.push(Number(elapsed) / 1000 / (passes * items));
  }
  return results.sort((a, b) => a - b);
}

export function measureDiff(): DiffResult[] {
  const rules = loadChangeRules(RULES_FILE);
  return INVENTORY_FLAVOURS.map((flavour, index) => {
    const generator = createInventoryGenerator({ seed: 7_000 + index, flavour });
    const chain: Record<string, unknown>[] = [generator.initial()];
    for (let i = 0; i < DIFF_PAIRS; i++) chain.push(generator.next(chain.at(-1)!));
    const texts = chain.map((inventory) => JSON.stringify(inventory));
    let changes = 0;
    for (let i = 1; i < chain.length; i++) changes += diffInventories(chain[i - 1], chain[i]).changes.length;
    let sink = 0;
    const full = batchesOf(() => {
      for (let i = 1; i < chain.length; i++) {
        for (const change of diffInventories(chain[i - 1], chain[i]).changes) sink += classifyChange(change, rules).significant ? 1 : 0;
      }
    }, DIFF_PAIRS);
    const diffOnly = batchesOf(() => {
      for (let i = 1; i < chain.length; i++) sink += diffInventories(chain[i - 1], chain[i]).changes.length;
    }, DIFF_PAIRS);
    const ingest = batchesOf(() => {
      for (const text of texts) sink += inventoryHash(JSON.parse(text)).length;
    }, texts.length);
    if (sink < 0) throw new Error('unreachable'); // keeps the work observable
    return {
      flavour,
      pairs: DIFF_PAIRS,
      meanBytes: texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / texts.length,
      meanChanges: changes / DIFF_PAIRS,
      median: percentile(full, 50),
      min: full[0]!,
      max: full.at(-1)!,
      batches: DIFF_BATCHES,
      diffOnly: percentile(diffOnly, 50),
      ingestCpu: percentile(ingest, 50),
    };
  });
}
