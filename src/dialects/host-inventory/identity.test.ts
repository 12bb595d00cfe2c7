import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityHeader, MAX_HEADER_LENGTH, parseIdentityHeader } from './identity.ts';

const SYSTEM = { org_id: '000001', type: 'System', auth_type: 'cert-auth', system: { cert_type: 'system', cn: '1B3C5D7F-0000-4000-8000-000000000001' } };

function refused(raw: string | undefined, why: string) {
  assert.throws(() => parseIdentityHeader(raw), { statusCode: 401, detail: 'Invalid token' }, why);
}

describe('x-rh-identity: the gateway identity header, validated as the peer does', () => {
  it('reads each identity type with what it needs', () => {
    assert.deepEqual(
      parseIdentityHeader(identityHeader({ org_id: '000001', type: 'User', auth_type: 'basic-auth', account_number: '0000001', user: { username: 'a' } })),
      {
        orgId: '000001',
        type: 'User',
        authType: 'basic-auth',
        accountNumber: '0000001',
      },
    );
    assert.deepEqual(parseIdentityHeader(identityHeader(SYSTEM)), {
      orgId: '000001',
      type: 'System',
      authType: 'cert-auth',
      system: { cn: '1B3C5D7F-0000-4000-8000-000000000001', certType: 'system' },
    });
    assert.equal(
      parseIdentityHeader(identityHeader({ org_id: 'x', type: 'ServiceAccount', auth_type: 'jwt-auth', service_account: { client_id: 'c', username: 'u' } }))
        .type,
      'ServiceAccount',
    );
    assert.equal(
      parseIdentityHeader(identityHeader({ org_id: 'x', type: 'X509', auth_type: 'x509', x509: { subject_dn: '/CN=a', issuer_dn: '/CN=b' } })).type,
      'X509',
    );
    assert.equal(parseIdentityHeader(identityHeader({ org_id: 'x', type: 'Associate', auth_type: 'saml-auth' })).type, 'Associate');
    // auth_type and cert_type are compared lower-cased; padding is optional.
    assert.equal(
      parseIdentityHeader(identityHeader({ ...SYSTEM, auth_type: 'CERT-AUTH', system: { cert_type: 'Satellite', cn: 'x' } })).system?.certType,
      'satellite',
    );
    assert.equal(parseIdentityHeader(identityHeader(SYSTEM).replace(/=+$/, '')).orgId, '000001');
  });

  it('refuses what the peer refuses, with 401 Invalid token', () => {
    const variant = (change: Record<string, unknown>) => identityHeader({ ...SYSTEM, ...change });
    refused(undefined, 'no header');
    refused('', 'empty');
    refused('not base64!', 'not base64');
    refused(Buffer.from('{"identity": ').toString('base64'), 'not JSON');
    refused(Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), 'not UTF-8');
    refused(Buffer.from('[]').toString('base64'), 'not an object');
    refused(Buffer.from('{"identity": "me"}').toString('base64'), 'identity not an object');
    refused(variant({ org_id: '' }), 'empty org_id');
    refused(variant({ org_id: 'x'.repeat(37) }), 'org_id over 36 characters');
    refused(variant({ org_id: 42 }), 'org_id not a string');
    refused(variant({ type: 'Robot' }), 'unknown type');
    refused(variant({ type: 'system' }), 'type is case-sensitive');
    refused(variant({ auth_type: 'magic-auth' }), 'unknown auth_type');
    refused(variant({ auth_type: undefined }), 'auth_type missing');
    refused(variant({ account_number: 'x'.repeat(37) }), 'account_number over 36');
    refused(variant({ system: undefined }), 'System without system');
    refused(variant({ system: { cert_type: 'system' } }), 'System without cn');
    refused(variant({ system: { cert_type: 'toaster', cn: 'x' } }), 'unknown cert_type');
    refused(
      identityHeader({ org_id: 'x', type: 'ServiceAccount', auth_type: 'jwt-auth', service_account: { client_id: 'c' } }),
      'ServiceAccount without username',
    );
    refused(identityHeader({ org_id: 'x', type: 'X509', auth_type: 'x509', x509: { subject_dn: 'a' } }), 'X509 without issuer_dn');
    refused(identityHeader({ org_id: 'x', type: 'User', auth_type: 'basic-auth', user: 'me' }), 'user not an object');
  });

  it("refuses the seed README's example, whose org_id is only under `internal` (the identity format of its time)", () => {
    refused('eyJpZGVudGl0eSI6IHsiYWNjb3VudF9udW1iZXIiOiAiMDAwMDAwMSIsICJpbnRlcm5hbCI6IHsib3JnX2lkIjogIjAwMDAwMSJ9fX0=', 'no org_id, type or auth_type');
  });

  it('reads only own properties, and refuses oversized or deeply nested headers without trouble', () => {
    refused(Buffer.from('{"identity": {"__proto__": {"org_id": "x", "type": "User", "auth_type": "basic-auth"}}}').toString('base64'), 'inherited fields');
    refused('A'.repeat(MAX_HEADER_LENGTH + 4), 'oversized');
    const deep = `{"identity": {"org_id": "x", "type": "User", "auth_type": "basic-auth", "user": ${'['.repeat(2000)}${']'.repeat(2000)}}}`;
    refused(Buffer.from(deep).toString('base64'), 'user not an object, however deep');
  });
});
