/**
 * Deterministic inventories for benchmarks and tests: about 16 KB of JSON each, in the
 * three shapes appliances send (generic, NethServer 8 facts, NethSecurity facts), and a
 * `next` that turns one snapshot into the following one with a few realistic changes.
 *
 *   const generator = createInventoryGenerator({ seed: 42, flavour: 'ns8' });
 *   let inventory = generator.initial();
 *   inventory = generator.next(inventory);
 *
 * One generator holds one seeded random stream: the same seed and the same sequence of
 * calls give the same inventories. `initial()` may be called again for another system.
 */
import { buildGenericInventory, genericMutations } from './generic-inventory.ts';
import { cloneJson, mutateInventory, type JsonObject, type MutationSet } from './inventory-mutations.ts';
import { buildNs8Inventory, ns8Mutations } from './ns8-inventory.ts';
import { buildNsecInventory, nsecMutations } from './nsec-inventory.ts';
import { createRandom, type Random } from './random.ts';

export type InventoryFlavour = 'generic' | 'ns8' | 'nsec';

export const INVENTORY_FLAVOURS: readonly InventoryFlavour[] = ['generic', 'ns8', 'nsec'];

/** The size inventories are built to; each lands within a few percent of it. */
export const TARGET_INVENTORY_BYTES = 16 * 1024;

export interface InventoryGeneratorOptions {
  seed: number;
  flavour: InventoryFlavour;
  /** Defaults to TARGET_INVENTORY_BYTES. */
  targetBytes?: number;
}

export interface InventoryGenerator {
  /** A new, complete inventory. */
  initial(): Record<string, unknown>;
  /**
   * A deep copy of `previous` with 1–5 changes: a version bump, a counter or uptime moving,
   * a service/module/zone added or removed, an address changed, a feature toggled, a list
   * of objects reordered. At least one of them changes a value. `previous` is not modified.
   */
  next(previous: Record<string, unknown>): Record<string, unknown>;
}

interface Flavour {
  build(random: Random, targetBytes: number): JsonObject;
  mutations: MutationSet;
}

const FLAVOURS: Record<InventoryFlavour, Flavour> = {
  generic: { build: buildGenericInventory, mutations: genericMutations },
  ns8: { build: buildNs8Inventory, mutations: ns8Mutations },
  nsec: { build: buildNsecInventory, mutations: nsecMutations },
};

/** Built documents land within ±4 % of the target, leaving room for drift as `next` runs. */
const SIZE_SPREAD = 0.04;

export function createInventoryGenerator(options: InventoryGeneratorOptions): InventoryGenerator {
  const flavour = FLAVOURS[options.flavour];
  if (flavour === undefined) throw new Error(`unknown inventory flavour: ${String(options.flavour)}`);
  const random = createRandom(options.seed);
  const targetBytes = options.targetBytes ?? TARGET_INVENTORY_BYTES;
  return {
    initial: () => flavour.build(random, Math.round(targetBytes * (1 - SIZE_SPREAD + random.next() * 2 * SIZE_SPREAD))),
    next: (previous) => mutateInventory(previous, flavour.mutations, random),
  };
}

const FIXTURE_SEEDS: Record<InventoryFlavour, number> = { generic: 20_250_101, ns8: 20_250_108, nsec: 20_250_117 };
const fixtures = new Map<InventoryFlavour, JsonObject>();

/** A fixed example of a flavour, the same on every call; a fresh copy the caller may modify. */
export function fixture(flavour: InventoryFlavour): Record<string, unknown> {
  let example = fixtures.get(flavour);
  if (example === undefined) {
    example = createInventoryGenerator({ seed: FIXTURE_SEEDS[flavour], flavour }).initial();
    fixtures.set(flavour, example);
  }
  return cloneJson(example);
}
