/** The heartbeat-daemon benchmark's fleet: components by index, the wrk requests beating for them, a fake state manager. */
import { createServer, type Server } from 'node:http';
import type { WrkOptions } from '../wrk.ts';

/** Component `index`'s xname: cabinets from x1000, 8 chassis of 8 slots of 8 nodes each (the same formula in Lua below). */
export function xnameOf(index: number): string {
  return `x${1000 + Math.floor(index / 512)}c${Math.floor(index / 64) % 8}s${Math.floor(index / 8) % 8}b0n${index % 8}`;
}

/** Whether component `index` is one of those that stop (every `stopEvery`-th). */
export const stops = (index: number, stopEvery: number) => stopEvery > 0 && index % stopEvery === 0;

/**
 * wrk's requests for the components: `POST /hmi/v1/heartbeat` with the daemon's body and the API
 * key, built in Lua (50,000 written out would pass LuaJIT's limit on constants). With
 * `withoutStopped`, the stopping ones are left out.
 */
export function heartbeatRequests(components: number, key: string, stopEvery: number, withoutStopped: boolean): WrkOptions['requests'] {
  return {
    lua: `
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${key}" }
for i = 0, ${components - 1} do
  if not (${withoutStopped ? 'true' : 'false'} and ${stopEvery} > 0 and i % ${stopEvery} == 0) then
    local xname = string.format("x%dc%ds%db0n%d", 1000 + math.floor(i / 512), math.floor(i / 64) % 8, math.floor(i / 8) % 8, i % 8)
    local body = string.format('{"Component":"%s","Hostname":"nid%06d","NID":"%d","Status":"OK","Timestamp":"2026-12-02T08:00:00.000000+00:00"}', xname, i, i)
    all[#all + 1] = wrk.format("POST", "/hmi/v1/heartbeat", headers, body)
  end
end`,
  };
}

export interface StateManagerCall {
  at: number;
  body: { ComponentIDs: string[]; State: string; Flag: string; ExtendedInfo: { Message: string } };
}

/** A state manager on loopback that records every call (answered 204) with the time it arrived. */
export async function startStateManager(): Promise<{ url: string; calls: StateManagerCall[]; close: () => Promise<void> }> {
  const calls: StateManagerCall[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls.push({ at: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as StateManagerCall['body'] });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hsm/v2`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
