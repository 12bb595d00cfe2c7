import { createServer, request } from 'node:http';

/**
 * An HTTP relay in front of Muster: each answer is read whole and `beforeAnswer` called with it
 * before it is passed on, so a test can act (kill the agent) after Muster committed a request and
 * before the agent hears of it. Muster unreachable: 502.
 */
export async function startRelay(target: string): Promise<{ url: string; beforeAnswer: (path: string, status: number) => void; close(): Promise<void> }> {
  const relay = {
    url: '',
    beforeAnswer: (_path: string, _status: number) => {},
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((incoming, outgoing) => {
    const forwarded = request(new URL(incoming.url ?? '/', target), { method: incoming.method, headers: incoming.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        relay.beforeAnswer(incoming.url ?? '/', answer.statusCode ?? 0);
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        outgoing.end(Buffer.concat(chunks));
      });
    });
    forwarded.on('error', () => {
      outgoing.writeHead(502, { 'content-type': 'application/json' });
      outgoing.end('{"code":502,"message":"Muster unreachable","data":null}');
    });
    incoming.pipe(forwarded);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  relay.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return relay;
}
