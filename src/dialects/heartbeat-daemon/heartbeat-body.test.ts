import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHeartbeatBody, parseHeartbeatForXnameBody } from './heartbeat-body.ts';

const full = (fields: Record<string, unknown>): string => JSON.stringify(fields);
const daemonBody = (xname: string, status = 'OK', timestamp = 'Jan 1, 0000'): string =>
  full({ Component: xname, Hostname: 'nid0001.us.cray.com', NID: '0001', Status: status, Timestamp: timestamp });

const detailOf = (result: ReturnType<typeof parseHeartbeatBody>): string => {
  assert.equal(result.ok, false, 'expected a refusal');
  return result.ok ? '' : result.detail;
};

describe('POST /heartbeat body', () => {
  it('accepts the daemon test client body (TestHb_rcv) and keeps Timestamp and Status as sent', () => {
    assert.deepEqual(parseHeartbeatBody(daemonBody('x1c2s2b0n3', 'OK', 'Jan 1, 0000')), {
      ok: true,
      heartbeat: { component: 'x1c2s2b0n3', hostname: 'nid0001.us.cray.com', nid: '0001', status: 'OK', timestamp: 'Jan 1, 0000' },
    });
    const real = parseHeartbeatBody(daemonBody('x3000c0s17b1n0', 'OK', '2021-09-23T22:52:00.955107+00:00'));
    assert.ok(real.ok);
    assert.equal(real.heartbeat.timestamp, '2021-09-23T22:52:00.955107+00:00');
  });

  it('normalizes the component', () => {
    const result = parseHeartbeatBody(daemonBody('X3000C0S01B0N00'));
    assert.ok(result.ok);
    assert.equal(result.heartbeat.component, 'x3000c0s1b0n0');
  });

  it('matches keys case-insensitively, the last matching key winning', () => {
    const result = parseHeartbeatBody('{"component":"x0c0s0b0n0","STATUS":"OK","TimeStamp":"t1","hostname":"h","nid":"7"}');
    assert.deepEqual(result, { ok: true, heartbeat: { component: 'x0c0s0b0n0', hostname: 'h', nid: '7', status: 'OK', timestamp: 't1' } });
    const last = parseHeartbeatBody('{"Component":"x0c0s0b0n0","Status":"first","status":"second","Status":"third","Timestamp":"t"}');
    assert.ok(last.ok);
    assert.equal(last.heartbeat.status, 'third'); // JSON.parse alone would give "second"
    const nullKeeps = parseHeartbeatBody('{"Component":"x0c0s0b0n0","Status":"OK","status":null,"Timestamp":"t"}');
    assert.ok(nullKeeps.ok);
    assert.equal(nullKeeps.heartbeat.status, 'OK');
    // Unicode simple folding, as bytes.EqualFold: U+017F is an s.
    const folded = parseHeartbeatBody('{"Component":"x0c0s0b0n0","\u017Ftatus":"OK","Timestamp":"t"}');
    assert.ok(folded.ok);
    // Unknown keys are ignored.
    assert.ok(parseHeartbeatBody('{"Component":"x0c0s0b0n0","Status":"OK","Timestamp":"t","Extra":5}').ok);
  });

  it('Hostname and NID are optional (SPEC §8.1)', () => {
    assert.deepEqual(parseHeartbeatBody('{"Component":"x0c0s0b0n0","Status":"OK","Timestamp":"t"}'), {
      ok: true,
      heartbeat: { component: 'x0c0s0b0n0', status: 'OK', timestamp: 't' },
    });
  });

  it('a non-string value: Invalid data type in <Field> field (TestHb_rcv: Component as an int)', () => {
    assert.equal(
      detailOf(parseHeartbeatBody('{"Component":1234,"Hostname":"nid0001.us.cray.com","NID":"0001","Status":"OK","Timestamp":"Jan 1, 0000"}')),
      'Invalid data type in Component field',
    );
    for (const field of ['Component', 'Hostname', 'NID', 'Status', 'Timestamp']) {
      for (const value of [1, true, [], {}, 1.5]) {
        const body = { Component: 'x0c0s0b0n0', Status: 'OK', Timestamp: 't', [field]: value };
        assert.equal(detailOf(parseHeartbeatBody(full(body))), `Invalid data type in ${field} field`, `${field}=${JSON.stringify(value)}`);
      }
    }
    // The first mistyped field in the struct's order is named, not the first in the body.
    assert.equal(detailOf(parseHeartbeatBody('{"Timestamp":1,"NID":2,"Component":"x0c0s0b0n0"}')), 'Invalid data type in NID field');
    // The daemon looks the exact names up: a mistyped key spelled otherwise gets the generic detail.
    assert.equal(detailOf(parseHeartbeatBody('{"component":1234,"Status":"OK","Timestamp":"t"}')), 'Invalid JSON data type');
  });

  it('not JSON, or not an object: Invalid JSON data type', () => {
    for (const body of ['', '{', 'not json', '[]', '[{"Component":"x0c0s0b0n0"}]', '"x0c0s0b0n0"', '42', 'true', '{"Component":"x0c0s0b0n0",}']) {
      assert.equal(detailOf(parseHeartbeatBody(body)), 'Invalid JSON data type', JSON.stringify(body));
    }
  });

  it('Missing <Field> field, in the daemon order; an empty string is missing', () => {
    // TestHb_rcv: a body without Component.
    assert.equal(
      detailOf(parseHeartbeatBody('{"Hostname":"nid0001.us.cray.com","NID":"0001","Status":"OK","Timestamp":"Jan 1, 0000"}')),
      'Missing Component field',
    );
    assert.equal(detailOf(parseHeartbeatBody('{}')), 'Missing Component field');
    assert.equal(detailOf(parseHeartbeatBody('null')), 'Missing Component field'); // Go decodes null to nothing
    assert.equal(detailOf(parseHeartbeatBody('{"Component":"","Status":"OK","Timestamp":"t"}')), 'Missing Component field');
    assert.equal(detailOf(parseHeartbeatBody('{"Component":"x0c0s0b0n0","Timestamp":"t"}')), 'Missing Status field');
    assert.equal(detailOf(parseHeartbeatBody('{"Component":"x0c0s0b0n0","Status":"OK"}')), 'Missing Timestamp field');
    assert.equal(detailOf(parseHeartbeatBody('{"Component":"x0c0s0b0n0","Status":"OK","Timestamp":null}')), 'Missing Timestamp field');
    // Missing fields come before an invalid component name.
    assert.equal(detailOf(parseHeartbeatBody('{"Component":"xxyyzz","Status":"OK"}')), 'Missing Timestamp field');
  });

  it('Invalid Component Name (TestHb_rcv: xxyyzz)', () => {
    assert.equal(detailOf(parseHeartbeatBody(daemonBody('xxyyzz'))), 'Invalid Component Name');
    assert.equal(detailOf(parseHeartbeatBody(daemonBody('x1c2s2b0n3v4'))), 'Invalid Component Name'); // the daemon test expects 200 here
    assert.equal(detailOf(parseHeartbeatBody(daemonBody('nid000001'))), 'Invalid Component Name');
  });

  it('Invalid NID: Go ParseInt(nid, 0, 64) (TestHb_rcv: 36 digits)', () => {
    const withNid = (nid: string): ReturnType<typeof parseHeartbeatBody> =>
      parseHeartbeatBody(full({ Component: 'x0c0s0b0n0', NID: nid, Status: 'OK', Timestamp: 't' }));
    assert.equal(detailOf(withNid('123456789123456789123456789123456789')), 'Invalid NID');
    for (const nid of ['nid1', '1.5', ' 1', '0x', '08', '1__0', '_1', '1_', '9223372036854775808', '-9223372036854775809', '+', '-']) {
      assert.equal(detailOf(withNid(nid)), 'Invalid NID', nid);
    }
    for (const nid of ['0001', '0', '-1', '+7', '0x1F', '0o17', '0b101', '017', '1_000', '0x_1f', '9223372036854775807', '-9223372036854775808']) {
      const result = withNid(nid);
      assert.ok(result.ok, nid);
      assert.equal(result.heartbeat.nid, nid);
    }
    // The component is checked before the NID.
    assert.equal(detailOf(parseHeartbeatBody(full({ Component: 'bad', NID: 'bad', Status: 'OK', Timestamp: 't' }))), 'Invalid Component Name');
  });
});

describe('POST /heartbeat/{xname} body', () => {
  it('accepts Status and Timestamp and takes the component from the path, normalized', () => {
    assert.deepEqual(parseHeartbeatForXnameBody('{"Status":"OK","Timestamp":"Jan 3, 0000"}', 'x1c2s2b0n4'), {
      ok: true,
      heartbeat: { component: 'x1c2s2b0n4', status: 'OK', timestamp: 'Jan 3, 0000' },
    });
    const upper = parseHeartbeatForXnameBody('{"status":"OK","timestamp":"t"}', 'X1C2S02B0N04');
    assert.ok(upper.ok);
    assert.equal(upper.heartbeat.component, 'x1c2s2b0n4');
  });

  it('gives the body errors first, with the daemon details', () => {
    assert.equal(detailOf(parseHeartbeatForXnameBody('nope', 'x0c0s0b0n0')), 'Invalid JSON data type');
    assert.equal(detailOf(parseHeartbeatForXnameBody('{"Status":5,"Timestamp":"t"}', 'x0c0s0b0n0')), 'Invalid data type in Status field');
    assert.equal(detailOf(parseHeartbeatForXnameBody('{"Timestamp":"t"}', 'x0c0s0b0n0')), 'Missing Status field');
    assert.equal(detailOf(parseHeartbeatForXnameBody('{"Status":"OK"}', 'x0c0s0b0n0')), 'Missing Timestamp field');
    // Only Status and Timestamp belong to this body: a Component in it is ignored, even mistyped.
    assert.ok(parseHeartbeatForXnameBody('{"Status":"OK","Timestamp":"t","Component":5}', 'x0c0s0b0n0').ok);
    assert.equal(detailOf(parseHeartbeatForXnameBody('{"Status":"OK"}', 'bad')), 'Missing Timestamp field');
  });

  it('validates the path xname (the daemon does not): Invalid Component Name', () => {
    for (const xname of ['xxyyzz', 'x1c2s2b0n4v5', '', 'x0c9']) {
      assert.equal(detailOf(parseHeartbeatForXnameBody('{"Status":"OK","Timestamp":"t"}', xname)), 'Invalid Component Name', xname);
    }
    // Trimmed like every xname.
    assert.ok(parseHeartbeatForXnameBody('{"Status":"OK","Timestamp":"t"}', 'x0c0s0b0n0 ').ok);
  });
});
