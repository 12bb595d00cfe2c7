import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMusterClient } from '../src/muster-client.ts';

describe('the Muster client over TLS', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let ca: Buffer;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'muster-agent-tls-'));
    // A certificate for 127.0.0.1 that no system store trusts: it is its own CA.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    ca = await readFile(path.join(dir, 'cert.pem'));
    server = createServer({ key: await readFile(path.join(dir, 'key.pem')), cert: ca }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"code":200,"message":"heartbeat acknowledged","data":{}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a certificate the system does not trust, and accepts it with the configured CA', async () => {
    const untrusting = createMusterClient({ url, credentials: undefined, ca: undefined, timeoutMs: 5000 });
    const refused = await untrusting.post('/api/systems/heartbeat', {});
    assert.equal(refused.outcome.kind, 'retry');
    assert.match((refused.outcome as { reason: string }).reason, /self.signed|certificate/i);
    const trusting = createMusterClient({ url, credentials: undefined, ca, timeoutMs: 5000 });
    assert.equal((await trusting.post('/api/systems/heartbeat', {})).outcome.kind, 'ok');
  });
});
