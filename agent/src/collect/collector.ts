import { readFile } from 'node:fs/promises';
import { collectInventory } from './inventory-collector.ts';
import { createMetricsCollector } from './metrics-collector.ts';

/** What the agent sends: the inventory snapshot, and one metrics sample (without its timestamp). */
export interface Collector {
  inventory(): Promise<Record<string, unknown>>;
  metrics(): Promise<Record<string, unknown>>;
}

/** The machine's own inventory and metrics, `custom` (from the config file) added to the inventory. */
export function createMachineCollector(custom: Record<string, unknown>): Collector {
  const metrics = createMetricsCollector();
  return {
    inventory: async () => ({ ...(await collectInventory()), custom }),
    metrics: () => metrics.sample(),
  };
}

/**
 * A testing aid: the file's `{inventory, metrics}` in place of the machine's, read afresh at each
 * collection so that a test can change what the machine "is".
 */
export function createFixtureCollector(file: string): Collector {
  const read = async (part: 'inventory' | 'metrics'): Promise<Record<string, unknown>> => {
    const fixture = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const value = fixture[part];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${file}: "${part}" must be an object`);
    return value as Record<string, unknown>;
  };
  return { inventory: () => read('inventory'), metrics: () => read('metrics') };
}
