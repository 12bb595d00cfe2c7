export { createHostInventory, type HostInventoryDeps } from './create-host-inventory.ts';
