import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import agentPackage from '../package.json' with { type: 'json' };
import { createMusterClient, parseRetryAfter } from '../src/muster-client.ts';

interface Seen {
  headers: IncomingMessage['headers'];
  body: Buffer;
}

describe('the Muster client', () => {
  let server: Server;
  let url: string;
  const seen: Seen[] = [];
  let answer: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: '{"code":200,"message":"ok","data":{}}' };
  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ headers: request.headers, body: Buffer.concat(chunks) });
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/collect`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () => createMusterClient({ url, credentials: { systemKey: 'NETH-KEY', systemSecret: 'my_pub.secret' }, ca: undefined, timeoutMs: 5000 });

  it('sends HTTP Basic credentials and the agent User-Agent under the base path; small bodies go plain', async () => {
    const sent = await client().post('/api/systems/heartbeat', {});
    assert.equal(sent.outcome.kind, 'ok');
    const request = seen.at(-1)!;
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('NETH-KEY:my_pub.secret').toString('base64')}`);
    assert.match(request.headers['user-agent']!, new RegExp(`^muster-agent/${agentPackage.version.replaceAll('.', '\\.')} \\(linux; \\w+\\)$`));
    assert.equal(request.headers['content-encoding'], undefined);
    assert.equal(request.body.toString(), '{}');
  });

  it('gzips bodies over 1 KB where asked (the inventory route)', async () => {
    const inventory = { services: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`service-${i}`, { status: 'running' }])) };
    const sent = await client().post('/api/systems/inventory', inventory, { compress: true });
    const request = seen.at(-1)!;
    assert.equal(request.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(request.body).toString()), inventory);
    assert.ok(sent.wireBytes < sent.jsonBytes && sent.jsonBytes > 1024);
  });

  it('classifies answers: 503 and 429 retried after Retry-After, 401 refused, other 4xx rejected, no answer retried', async () => {
    answer = { status: 503, headers: { 'retry-after': '7' }, body: '{"code":503,"message":"database unavailable","data":null}' };
    assert.deepEqual((await client().post('/api/systems/metrics', {})).outcome, {
      kind: 'retry',
      reason: 'POST /api/systems/metrics answered 503: database unavailable',
      retryAfterMs: 7000,
    });
    answer = { status: 429, headers: { 'retry-after': '2' }, body: '{}' };
    assert.equal((await client().post('/api/systems/metrics', {})).outcome.kind, 'retry');
    answer = { status: 401, body: '{"code":401,"message":"invalid credentials","data":null}' };
    assert.equal((await client().post('/api/systems/metrics', {})).outcome.kind, 'unauthorized');
    answer = { status: 400, body: '{"code":400,"message":"bad","data":null}' };
    assert.deepEqual((await client().post('/api/systems/metrics', {})).outcome, {
      kind: 'rejected',
      status: 400,
      reason: 'POST /api/systems/metrics answered 400: bad',
    });
    const unreachable = createMusterClient({ url: 'http://127.0.0.1:1', credentials: undefined, ca: undefined, timeoutMs: 1000 });
    assert.equal((await unreachable.post('/api/systems/heartbeat', {})).outcome.kind, 'retry');
    answer = { status: 200, body: '{}' };
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('30'), 30_000);
    assert.equal(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
