import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUpstream {
  /** e.g. `http://127.0.0.1:40123`: Alertmanager's API under `/api/v2`, a webhook at `/hook`. */
  url: string;
  close(): Promise<void>;
}

/**
 * A loopback stand-in for Alertmanager and for webhook receivers, so the fuzz run reaches the
 * proxy's and the deliveries' own code without a real Alertmanager: it answers as Alertmanager's
 * API v2 does for the calls the proxy makes, never with a 5xx (the proxy would turn that into a
 * 502, which the fuzz run counts as a failure). The silence `owned` carries `systemKey`'s matcher.
 */
export async function startFakeUpstream(systemKey: () => string): Promise<FakeUpstream> {
  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body === undefined ? '' : JSON.stringify(body));
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!;
      if (path === '/hook') return answer(response, 200, { ok: true });
      if (path === '/api/v2/alerts') return answer(response, 200, request.method === 'GET' ? [] : undefined);
      if (path === '/api/v2/silences') return answer(response, 200, request.method === 'GET' ? [] : { silenceID: 'owned' });
      if (path === '/api/v2/silence/owned') {
        if (request.method === 'DELETE') return answer(response, 200, undefined);
        return answer(response, 200, {
          id: 'owned',
          matchers: [{ name: 'system_key', value: systemKey(), isRegex: false, isEqual: true }],
          startsAt: '2030-01-01T00:00:00Z',
          endsAt: '2030-01-02T00:00:00Z',
          createdBy: 'fuzz',
          comment: 'fuzz',
          status: { state: 'pending' },
        });
      }
      if (path.startsWith('/api/v2/silence/')) return answer(response, 404, 'silence not found');
      return answer(response, 404, 'not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
