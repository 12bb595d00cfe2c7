import { createServer, type Server } from 'node:http';

export interface StateManagerCall {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export interface FakeStateManager {
  /** The state manager's base URL (what `Sm_url` names), on loopback. */
  url: string;
  /** Every call received, failed ones included, in order. */
  calls: StateManagerCall[];
  /** Calls that were answered with success. */
  delivered(): StateManagerCall[];
  /** The status answered from now on (204 by default; 500, 503… to fail). */
  answer(status: number): void;
  close(): Promise<void>;
}

/** A hardware state manager as the heartbeat daemon's peer: records each call, answers what it is told. */
export async function startFakeStateManager(): Promise<FakeStateManager> {
  const calls: (StateManagerCall & { status: number })[] = [];
  let status = 204;
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      calls.push({ method: request.method!, path: request.url!, contentType: request.headers['content-type'], body, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/hsm/v2`,
    calls,
    delivered: () => calls.filter((call) => [200, 202, 204].includes(call.status)),
    answer: (next) => void (status = next),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
