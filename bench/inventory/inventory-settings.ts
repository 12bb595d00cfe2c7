/** The inventory benchmark's options, goals and the constants its parts share. */
import path from 'node:path';
import { INVENTORY_FLAVOURS, type InventoryFlavour } from '../inventory-fixtures/inventory-generator.ts';
import { type DbKind, REPO_ROOT } from '../lib/basics.ts';

export interface InventoryOptions {
  dbs: DbKind[];
  systems: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Rounds generated per system; undefined: enough for GENEROUS_RATE over warm-up and run. */
  rounds: number | undefined;
  drainTimeoutSeconds: number;
}

export const INVENTORY_PATH = '/api/systems/inventory';
export const QUEUE = 'inventory.process';
export const RULES_FILE = path.join(REPO_ROOT, 'rules', 'inventory-rules.json');
/** The default number of rounds covers warm-up and run at this many requests per second. */
export const GENEROUS_RATE = 1_500;
/** Give up waiting for the queue when nothing was processed for this long. */
export const STALL_MS = 60_000;
/** Once every inventory is processed, how long to keep watching the job queue empty out. */
export const QUEUE_WATCH_MS = 10_000;
/** Goals from the issue. */
export const GOAL_ACCEPTED_PER_S = 1_000;
export const GOAL_PROCESSED_PER_S = 500;
export const GOAL_DIFF_US = 200;

export const flavourOf = (index: number): InventoryFlavour => INVENTORY_FLAVOURS[index % INVENTORY_FLAVOURS.length]!;
/** System types as an operator would create them (the flavour decides the inventory's shape). */
export const SYSTEM_TYPE: Record<InventoryFlavour, string> = { generic: 'linux', ns8: 'ns8', nsec: 'nsec' };
