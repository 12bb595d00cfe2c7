import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityFromClaims, rolesFromClaim, UnusableClaimsError } from './sso-identity.ts';

const base = { iss: 'https://id.example.com', sub: 'u-1', email: 'Ana@Example.com', email_verified: true };

describe('identityFromClaims', () => {
  it('takes issuer, subject, verified email, name and the configured roles claim', () => {
    assert.deepEqual(identityFromClaims({ ...base, name: ' Ana Lima ', groups: ['acme:admin'] }, 'groups'), {
      issuer: 'https://id.example.com',
      subject: 'u-1',
      email: 'Ana@Example.com',
      name: 'Ana Lima',
      roles: [{ organization: 'acme', role: 'admin' }],
    });
  });

  it('tells an absent roles claim (undefined) from one granting nothing (empty)', () => {
    assert.equal(identityFromClaims(base, 'muster_roles').roles, undefined);
    assert.deepEqual(identityFromClaims({ ...base, muster_roles: [] }, 'muster_roles').roles, []);
    assert.deepEqual(identityFromClaims({ ...base, muster_roles: 'acme:admin' }, 'muster_roles').roles, [], 'a bare string is neither shape');
    assert.equal(identityFromClaims({ ...base, name: '' }, 'muster_roles').name, undefined);
  });

  it('refuses claims without a verified email', () => {
    for (const claims of [
      { ...base, email_verified: false },
      { ...base, email_verified: 'true' },
      { iss: base.iss, sub: base.sub, email: base.email },
      { ...base, email: undefined },
      { ...base, email: '  ' },
    ]) {
      assert.throws(() => identityFromClaims(claims, 'muster_roles'), UnusableClaimsError, JSON.stringify(claims));
    }
  });
});

describe('rolesFromClaim', () => {
  it('reads "<organization>:<role>" strings, skipping what is not one', () => {
    assert.deepEqual(
      rolesFromClaim(['acme:owner', 'globex:Viewer', 'initech:superuser', 'nocolon', ':admin', 'urn:org:umbrella:operator', 42, null, 'acme:viewer']),
      [
        { organization: 'acme', role: 'owner' },
        { organization: 'globex', role: 'viewer' },
        { organization: 'urn:org:umbrella', role: 'operator' },
      ],
    );
  });

  it('reads an object of organization to role, skipping unknown roles and non-strings', () => {
    assert.deepEqual(rolesFromClaim({ acme: 'admin', globex: 'root', initech: ['viewer'], umbrella: 'operator', ' ': 'viewer' }), [
      { organization: 'acme', role: 'admin' },
      { organization: 'umbrella', role: 'operator' },
    ]);
  });

  it('gives no roles for other shapes', () => {
    for (const value of [null, undefined, 'acme:admin', 7, true]) assert.deepEqual(rolesFromClaim(value), []);
  });
});
