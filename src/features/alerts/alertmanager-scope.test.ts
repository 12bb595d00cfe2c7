import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillPlaceholders, ownsSilence, scopeAlerts, scopedQuery, ScopeError, scopeSilence, type SystemIdentity } from './alertmanager-scope.ts';

const identity: SystemIdentity = {
  systemId: 'a1',
  systemKey: 'NETH-AAAA',
  systemName: 'fw',
  systemType: 'nsec',
  systemFqdn: null,
  organizationId: 'o1',
  organizationName: 'Acme',
};

describe('alertmanager scope', () => {
  it('overwrites identity labels, removes those the server has empty, keeps the rest', () => {
    const [alert] = scopeAlerts(
      [{ labels: { alertname: 'DiskFull', system_key: 'NETH-BBBB', system_fqdn: 'spoof.example', severity: 'warning' } }],
      identity,
    ) as {
      labels: Record<string, string>;
    }[];
    assert.deepEqual(alert!.labels, {
      alertname: 'DiskFull',
      severity: 'warning',
      system_id: 'a1',
      system_key: 'NETH-AAAA',
      system_name: 'fw',
      system_type: 'nsec',
      organization_id: 'o1',
      organization_name: 'Acme',
    });
  });

  it('fills {{.label}} placeholders and executes nothing else', () => {
    const labels = { alertname: 'DiskFull', severity: 'critical' };
    assert.equal(fillPlaceholders('Alert {{.alertname}} has severity {{ .severity }}', labels), 'Alert DiskFull has severity critical');
    assert.equal(fillPlaceholders('{{.missing}}', labels), '<no value>');
    assert.equal(fillPlaceholders('{{ printf "%s" .alertname }} {{ range . }}x{{ end }}', labels), '{{ printf "%s" .alertname }} {{ range . }}x{{ end }}');
    const [alert] = scopeAlerts([{ labels: {}, annotations: { summary: 'on {{.system_name}}', count: 3 } }], identity) as {
      annotations: Record<string, unknown>;
    }[];
    assert.deepEqual(alert!.annotations, { summary: 'on fw' }, 'values that are not strings are dropped, as in labels');
  });

  it('replaces any system_key matcher of a silence with the exact one of this system', () => {
    const silence = scopeSilence(
      {
        matchers: [
          { name: 'system_key', value: '.*', isRegex: true },
          { name: 'alertname', value: 'X', isRegex: false },
        ],
      },
      'NETH-AAAA',
    ).body;
    assert.deepEqual(silence.matchers, [
      { name: 'alertname', value: 'X', isRegex: false },
      { name: 'system_key', value: 'NETH-AAAA', isRegex: false, isEqual: true },
    ]);
    assert.equal(ownsSilence(silence, 'NETH-AAAA'), true);
    assert.equal(ownsSilence(silence, 'NETH-BBBB'), false);
    assert.equal(ownsSilence({ matchers: [{ name: 'system_key', value: 'NETH-AAAA', isRegex: true }] }, 'NETH-AAAA'), false);
    assert.equal(ownsSilence({ matchers: [{ name: 'system_key', value: 'NETH-AAAA', isRegex: false, isEqual: false }] }, 'NETH-AAAA'), false);
    assert.throws(() => scopeSilence([], 'x'), ScopeError);
    assert.throws(() => scopeAlerts({}, identity), ScopeError);
  });

  it('reads keys as Go does: case-insensitively, ſ as s, unknown ones dropped, two for one field refused', () => {
    const matchers = [{ NAME: 'alertname', vAlUe: 'X', iſRegex: false, extra: 1 }];
    const read = scopeSilence({ ID: 'abc', Matchers: matchers, COMMENT: 'c', status: { state: 'active' } }, 'NETH-AAAA');
    assert.equal(read.id, 'abc');
    assert.deepEqual(read.body, {
      id: 'abc',
      comment: 'c',
      matchers: [
        { name: 'alertname', value: 'X', isRegex: false },
        { name: 'system_key', value: 'NETH-AAAA', isRegex: false, isEqual: true },
      ],
    });
    // Neither İ nor ı folds onto an ASCII letter in Go: such keys are unknown, not ids.
    assert.equal(scopeSilence({ İd: 'abc', ıd: 'abc' }, 'NETH-AAAA').id, undefined);
    assert.equal(scopeSilence({ id: '' }, 'NETH-AAAA').id, undefined, 'an empty id creates a silence');
    // Go would keep "abc" here (a later null changes nothing): two keys for one field are refused, null or not.
    assert.throws(() => scopeSilence({ ID: 'abc', id: null }, 'NETH-AAAA'), /both "ID" and "id"/);
    assert.throws(() => scopeSilence({ matchers: [{ name: 'a', Name: 'system_key' }] }, 'NETH-AAAA'), /matcher 0 has both "name" and "Name"/);
    assert.throws(() => scopeAlerts([{ labels: {}, labelſ: {} }], identity), /alert 0 has both "labels" and "labelſ"/);
    assert.throws(() => scopeSilence({ id: 7 }, 'NETH-AAAA'), /id must be a string/);
    assert.throws(() => scopeSilence({ matchers: [{ name: 'a', isRegex: 'true' }] }, 'NETH-AAAA'), /isRegex must be a boolean/);
  });

  it('appends the system filter to whatever the appliance asked', () => {
    assert.equal(scopedQuery('', 'NETH-A'), 'filter=system_key%3D%22NETH-A%22');
    assert.equal(scopedQuery('active=true', 'NETH-A'), 'active=true&filter=system_key%3D%22NETH-A%22');
  });
});
