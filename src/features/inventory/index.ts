export { createInventory, type Inventory, type InventoryDeps } from './create-inventory.ts';
export type { InventoryQueries } from './inventory-queries.ts';
export { DiffSchema, presentDiff } from './inventory-routes.ts';
