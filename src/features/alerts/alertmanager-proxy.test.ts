import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { alertmanagerAvailable, startAlertmanager } from '../../../test/helpers/alertmanager.ts';
import { startTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds, useTestDatabase } from '../../../test/helpers/test-databases.ts';

const PATH = '/api/services/mimir/alertmanager/api/v2';
const amAvailable = alertmanagerAvailable();

for (const kind of databaseKinds()) {
  describe(`machine-scoped Alertmanager proxy (${kind})`, { skip: amAvailable ? false : 'prometheus-alertmanager is not installed' }, () => {
    let t: TestMuster;
    let alertmanager: Awaited<ReturnType<typeof startAlertmanager>>;
    let a: Awaited<ReturnType<TestMuster['createRegisteredSystem']>>;
    let b: Awaited<ReturnType<TestMuster['createRegisteredSystem']>>;
    const database = useTestDatabase(kind, async () => {
      await t.close();
      await alertmanager.stop();
    });

    before(async () => {
      alertmanager = await startAlertmanager();
      t = await startTestMuster(database.db, { ROLES: 'api', ALERTMANAGER_URL: alertmanager.url, BASE_PATH: '/collect' }, undefined);
      a = await t.createRegisteredSystem({ name: 'alpha', type: 'nsec' });
      b = await t.createRegisteredSystem({ name: 'bravo', type: 'ns8' });
    });

    const call = (system: { basic: string }, method: 'GET' | 'POST' | 'DELETE', path: string, payload?: unknown) =>
      t.muster.app.inject({
        method,
        url: `/collect${PATH}${path}`,
        headers: { authorization: system.basic, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });

    const upstreamAlerts = async () =>
      (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as { labels: Record<string, string>; annotations: Record<string, string> }[];

    it('labels posted alerts with the server identity and fills only {{.label}} placeholders', async () => {
      const posted = await call(a, 'POST', '/alerts', [
        {
          labels: { alertname: 'DiskFull', severity: 'critical', system_key: b.systemKey, system_name: 'spoofed', system_fqdn: 'spoof.example' },
          annotations: { summary: 'Alert {{.alertname}} on {{ .system_name }}', description: '{{ printf "%s" .alertname }}' },
        },
      ]);
      assert.equal(posted.statusCode, 200, posted.body);
      const stored = (await upstreamAlerts()).find((alert) => alert.labels.alertname === 'DiskFull')!;
      assert.equal(stored.labels.system_key, a.systemKey);
      assert.equal(stored.labels.system_id, a.id);
      assert.equal(stored.labels.system_name, 'alpha');
      assert.equal(stored.labels.system_type, 'nsec');
      assert.equal(stored.labels.organization_name, 'Default');
      assert.equal(stored.labels.system_fqdn, undefined, 'an empty server value removes the client label');
      assert.equal(stored.annotations.summary, 'Alert DiskFull on alpha');
      assert.equal(stored.annotations.description, '{{ printf "%s" .alertname }}');
      assert.equal((await call(a, 'POST', '/alerts', { not: 'an array' })).statusCode, 400);
    });

    it('shows each system only its own alerts and silences', async () => {
      await call(b, 'POST', '/alerts', [{ labels: { alertname: 'Bravo' } }]);
      const alphaSees = (await call(a, 'GET', '/alerts')).json<{ labels: Record<string, string> }[]>();
      const bravoSees = (await call(b, 'GET', '/alerts')).json<{ labels: Record<string, string> }[]>();
      assert.ok(alphaSees.length > 0 && alphaSees.every((alert) => alert.labels.system_key === a.systemKey));
      assert.ok(bravoSees.length > 0 && bravoSees.every((alert) => alert.labels.system_key === b.systemKey));
      // The appliance's own filters still apply, but cannot widen the scope.
      const widened = (await call(a, 'GET', `/alerts?filter=${encodeURIComponent('system_key=~".+"')}`)).json<{ labels: Record<string, string> }[]>();
      assert.ok(widened.every((alert) => alert.labels.system_key === a.systemKey));
    });

    it("pins silences to the system: no reading, updating or expiring another system's", async () => {
      const endsAt = new Date(Date.now() + 3_600_000).toISOString();
      const created = await call(a, 'POST', '/silences', {
        matchers: [
          { name: 'alertname', value: 'DiskFull', isRegex: false },
          { name: 'system_key', value: '.*', isRegex: true },
        ],
        startsAt: new Date().toISOString(),
        endsAt,
        createdBy: 'alpha',
        comment: 'maintenance',
      });
      assert.equal(created.statusCode, 200, created.body);
      const id = created.json().silenceID as string;
      const upstream = (await (await fetch(`${alertmanager.url}/api/v2/silence/${id}`)).json()) as {
        matchers: { name: string; value: string; isRegex: boolean }[];
      };
      assert.deepEqual(
        upstream.matchers.filter((matcher) => matcher.name === 'system_key').map((matcher) => [matcher.value, matcher.isRegex]),
        [[a.systemKey, false]],
      );

      assert.equal((await call(a, 'GET', `/silences/${id}`)).statusCode, 200);
      assert.equal((await call(b, 'GET', `/silences/${id}`)).statusCode, 403);
      assert.deepEqual((await call(b, 'DELETE', `/silences/${id}`)).json(), { code: 403, message: 'access denied', data: null });
      const hijack = await call(b, 'POST', '/silences', {
        id,
        matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false }],
        startsAt: new Date().toISOString(),
        endsAt,
        createdBy: 'bravo',
        comment: 'mine now',
      });
      assert.equal(hijack.statusCode, 403);
      const stillActive = (await (await fetch(`${alertmanager.url}/api/v2/silence/${id}`)).json()) as { status: { state: string } };
      assert.equal(stillActive.status.state, 'active', "the other system's silence was not expired");

      const bravoList = (await call(b, 'GET', '/silences')).json<{ id: string }[]>();
      assert.equal(
        bravoList.some((silence) => silence.id === id),
        false,
      );
      const alphaList = (await call(a, 'GET', '/silences')).json<{ id: string }[]>();
      assert.equal(
        alphaList.some((silence) => silence.id === id),
        true,
      );

      assert.equal((await call(a, 'GET', '/silences/00000000-0000-4000-8000-000000000000')).statusCode, 403, 'an unknown silence is not revealed');
      assert.equal((await call(a, 'DELETE', `/silences/${id}`)).statusCode, 200);
      const expired = (await (await fetch(`${alertmanager.url}/api/v2/silence/${id}`)).json()) as { status: { state: string } };
      assert.equal(expired.status.state, 'expired');
    });

    // Alertmanager (Go's encoding/json) matches JSON keys to fields case-insensitively, Unicode
    // folding included (ſ is an s), the last key winning; the proxy must read bodies the same way.
    it("refuses another system's silence under every spelling of id, and ambiguous or foreign matchers", async () => {
      const now = new Date().toISOString();
      const endsAt = new Date(Date.now() + 3_600_000).toISOString();
      const silenceBody = (fields: Record<string, unknown>) => ({ startsAt: now, endsAt, createdBy: 'bravo', comment: 'hijack', ...fields });
      const matchers = [{ name: 'alertname', value: 'Spelling', isRegex: false }];
      const created = await call(a, 'POST', '/silences', { ...silenceBody({ matchers }), createdBy: 'alpha', comment: 'mine' });
      assert.equal(created.statusCode, 200, created.body);
      const id = created.json().silenceID as string;
      const upstreamSilence = async () =>
        (await (await fetch(`${alertmanager.url}/api/v2/silence/${id}`)).json()) as { status: { state: string }; comment: string; updatedAt: string };
      const before = await upstreamSilence();

      for (const key of ['ID', 'Id', 'iD']) {
        const response = await call(b, 'POST', '/silences', silenceBody({ [key]: id, matchers }));
        assert.equal(response.statusCode, 403, `"${key}": ${response.body}`);
      }
      // Two keys for one field (in any order), at any level, are ambiguous: refused.
      const ambiguous: Record<string, unknown>[] = [
        { id: '', ID: id, matchers },
        { ID: id, id: '', matchers },
        { matchers: [], Matchers: [{ name: 'alertname', value: 'Everyone', isRegex: false }] },
        { matchers: [], matcherſ: [{ name: 'alertname', value: 'Everyone', isRegex: false }] },
        { matchers: [{ name: 'alertname', value: 'Everyone', isRegex: false, Name: 'system_key' }] },
        { matchers: [{ name: 'alertname', value: 'Everyone', isRegex: false, iſRegex: true }] },
      ];
      for (const fields of ambiguous) {
        const response = await call(b, 'POST', '/silences', silenceBody(fields));
        assert.equal(response.statusCode, 400, `${JSON.stringify(fields)}: ${response.body}`);
      }
      const after = await upstreamSilence();
      assert.equal(after.status.state, 'active', "the other system's silence is still active");
      assert.deepEqual(after, before, 'and unchanged');
      const hijacks = (await (await fetch(`${alertmanager.url}/api/v2/silences`)).json()) as { comment: string }[];
      assert.equal(hijacks.filter((silence) => silence.comment === 'hijack').length, 0, 'no silence was created by a refused request');

      // The spellings Alertmanager accepts work for a system's own silences, pinned as ever.
      const own = await call(b, 'POST', '/silences', {
        Matchers: [{ NAME: 'alertname', Value: 'Own', ISREGEX: false }],
        StartsAt: now,
        ENDSAT: endsAt,
        createdby: 'bravo',
        Comment: 'own',
      });
      assert.equal(own.statusCode, 200, own.body);
      const ownId = own.json().silenceID as string;
      const updated = await call(
        b,
        'POST',
        '/silences',
        silenceBody({ ID: ownId, matchers: [{ name: 'alertname', value: 'Own', isRegex: false }], comment: 'own, extended' }),
      );
      assert.equal(updated.statusCode, 200, updated.body);
      const stored = (await (await fetch(`${alertmanager.url}/api/v2/silence/${updated.json().silenceID}`)).json()) as {
        comment: string;
        matchers: { name: string; value: string }[];
      };
      assert.equal(stored.comment, 'own, extended');
      assert.deepEqual(
        stored.matchers.map((matcher) => [matcher.name, matcher.value]),
        [
          ['alertname', 'Own'],
          ['system_key', b.systemKey],
        ],
      );
    });

    it('never lets another spelling of labels carry identity labels into posted alerts', async () => {
      for (const alert of [
        { labels: { alertname: 'Forged' }, Labels: { system_key: b.systemKey } },
        { labels: { alertname: 'Forged' }, labelſ: { system_key: b.systemKey } },
        { labels: { alertname: 'Forged' }, annotations: {}, ANNOTATIONS: {} },
      ]) {
        const response = await call(a, 'POST', '/alerts', [alert]);
        assert.equal(response.statusCode, 400, `${JSON.stringify(alert)}: ${response.body}`);
      }
      assert.equal(
        (await upstreamAlerts()).some((alert) => alert.labels.alertname === 'Forged'),
        false,
      );

      const single = await call(a, 'POST', '/alerts', [
        { LABELS: { alertname: 'Spelled', system_key: b.systemKey, system_fqdn: 'spoof.example' }, Annotations: { summary: 'on {{.system_name}}' } },
      ]);
      assert.equal(single.statusCode, 200, single.body);
      const stored = (await upstreamAlerts()).find((alert) => alert.labels.alertname === 'Spelled')!;
      assert.equal(stored.labels.system_key, a.systemKey);
      assert.equal(stored.labels.system_fqdn, undefined, 'an empty server value removes the client label');
      assert.equal(stored.annotations.summary, 'on alpha');
    });

    it('requires system credentials, and answers 502 when Alertmanager is down', async () => {
      assert.equal((await t.muster.app.inject({ method: 'GET', url: `${PATH}/alerts` })).statusCode, 401);
      const down = await startTestMuster(await database.openAnother(), { ROLES: 'api', ALERTMANAGER_URL: 'http://127.0.0.1:9' });
      try {
        const response = await down.muster.app.inject({ method: 'GET', url: `${PATH}/alerts`, headers: { authorization: a.basic } });
        assert.equal(response.statusCode, 502);
        assert.equal(response.json().code, 502);
      } finally {
        await down.close();
      }
    });
  });
}
