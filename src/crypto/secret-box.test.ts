import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSecretBox, SecretBoxError } from './secret-box.ts';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('seals with AES-256-GCM: a fresh IV each time, opened only for the same context', () => {
    const sealed = box.seal('signing-secret', 'webhook:1');
    assert.ok(sealed.startsWith(box.sealedPrefix));
    assert.notEqual(box.seal('signing-secret', 'webhook:1'), sealed, 'a fresh IV each time');
    assert.equal(sealed.includes('signing-secret'), false);
    assert.equal(box.open(sealed, 'webhook:1'), 'signing-secret');
    assert.throws(() => box.open(sealed, 'webhook:2'), SecretBoxError, 'bound to its context');
  });

  it('tells another key from a damaged value', () => {
    const sealed = box.seal('signing-secret', 'webhook:1');
    const other = createSecretBox(randomBytes(32));
    assert.throws(() => other.open(sealed, 'webhook:1'), /encrypted with another SECRETS_KEY \(key id [0-9a-f]{8}; this node's is [0-9a-f]{8}\)/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'webhook:1'), /damaged/);
    assert.throws(() => box.open('in clear', 'webhook:1'), /not a sealed value/);
    assert.throws(() => createSecretBox(randomBytes(16)), /32 bytes/);
  });
});
