import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSystemKey, generateSystemSecret, parseSystemSecret, verifySystemSecret } from './system-credentials.ts';

describe('system credentials', () => {
  it('generates secrets of the documented shape, kept only as a salted hash', () => {
    const generated = generateSystemSecret();
    assert.match(generated.secret, /^my_[0-9a-f]{20}\.[0-9a-f]{40}$/);
    const parsed = parseSystemSecret(generated.secret)!;
    assert.equal(parsed.publicPart, generated.publicPart);
    assert.equal(generated.hash.includes(parsed.secretPart), false);
    assert.ok(verifySystemSecret(parsed, { secretPublic: generated.publicPart, secretSalt: generated.salt, secretHash: generated.hash }));
    const other = generateSystemSecret();
    assert.notEqual(other.salt, generated.salt);
  });

  it('rejects a secret whose either part differs', () => {
    const generated = generateSystemSecret();
    const stored = { secretPublic: generated.publicPart, secretSalt: generated.salt, secretHash: generated.hash };
    const parsed = parseSystemSecret(generated.secret)!;
    assert.equal(verifySystemSecret({ ...parsed, secretPart: parsed.secretPart.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }, stored), false);
    assert.equal(verifySystemSecret({ ...parsed, publicPart: 'f'.repeat(20) }, stored), false);
    assert.equal(verifySystemSecret(parsed, null), false, 'nothing stored: checked against a decoy, never a match');
  });

  it('parses only my_<public>.<secret> with a long enough secret part', () => {
    for (const bad of ['', 'my_abc', 'xx_abc.' + 'a'.repeat(40), 'my_abc.short', 'my_a.b.' + 'c'.repeat(40), 'my_.' + 'a'.repeat(40)]) {
      assert.equal(parseSystemSecret(bad), null, bad);
    }
  });

  it('generates system keys as PREFIX and 8 groups of 4 upper-case hex digits', () => {
    assert.match(generateSystemKey('NETH'), /^NETH(-[0-9A-F]{4}){8}$/);
    assert.match(generateSystemKey('ACME'), /^ACME(-[0-9A-F]{4}){8}$/);
  });
});
