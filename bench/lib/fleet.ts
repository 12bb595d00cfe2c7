/** A fleet of registered systems, created through the management API. */
import type { MusterProcess } from './processes.ts';

export interface Credentials {
  /** The system's id in the management API. */
  id: string;
  systemKey: string;
  secret: string;
}

/**
 * Creates `count` systems through the management API and registers each with its secret, 8 at
 * a time. `describe` gives each one's creation body (default `{"name": "bench-<index>"}`).
 */
export async function createFleet(
  muster: MusterProcess,
  count: number,
  describe: (index: number) => Record<string, unknown> = (index) => ({ name: `bench-${index}` }),
): Promise<Credentials[]> {
  const fleet: Credentials[] = new Array<Credentials>(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= count) return;
      const created = await fetch(`${muster.url}/api/v1/systems`, {
        method: 'POST',
        headers: { authorization: `Bearer ${muster.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(describe(index)),
      });
      const system = (await created.json()) as { id?: string; system_key?: string; system_secret?: string };
      if (created.status !== 201 || !system.id || !system.system_secret || !system.system_key) {
        throw new Error(`POST /api/v1/systems answered ${created.status}: ${JSON.stringify(system)}`);
      }
      const registered = await fetch(`${muster.url}/api/systems/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ system_secret: system.system_secret }),
      });
      const answer = (await registered.json()) as { data?: { system_key?: string } };
      if (registered.status !== 200 || answer.data?.system_key !== system.system_key) {
        throw new Error(`POST /api/systems/register answered ${registered.status}: ${JSON.stringify(answer)}`);
      }
      fleet[index] = { id: system.id, systemKey: system.system_key, secret: system.system_secret };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return fleet;
}
