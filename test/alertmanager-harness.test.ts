import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { alertmanagerAvailable, startAlertmanager, type TestAlertmanager } from './helpers/alertmanager.ts';

// Proves test/helpers/alertmanager.ts against the real binary, using only Alertmanager's own
// API v2 (the facts recorded in docs/research/alertmanager-api-v2.md).

const available = alertmanagerAvailable();
const SKIP_REASON = 'prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager, or set ALERTMANAGER_BIN)';

interface Reply {
  status: number;
  /** The parsed JSON body (untyped, like inject's `json()`); undefined when the body is empty. */
  body: ReturnType<typeof JSON.parse>;
}

async function call(am: TestAlertmanager, method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${am.url}/api/v2${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

const filter = (...matchers: string[]) => `?${matchers.map((m) => `filter=${encodeURIComponent(m)}`).join('&')}`;
const key = () => `NETH-${randomBytes(4).toString('hex').toUpperCase()}`;
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
const exact = (name: string, value: string) => ({ name, value, isRegex: false, isEqual: true });

function silenceBody(matchers: object[], extra: Record<string, unknown> = {}) {
  return { matchers, startsAt: new Date().toISOString(), endsAt: inMinutes(60), createdBy: 'harness-test', comment: 'test', ...extra };
}

test('Alertmanager test harness', { timeout: 60_000 }, async (t) => {
  if (!available) {
    t.skip(SKIP_REASON);
    return;
  }
  const am = await startAlertmanager();
  t.after(() => am.stop());

  await t.test('listens on loopback with clustering disabled and the default null receiver', async () => {
    assert.match(am.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await call(am, 'GET', '/status');
    assert.equal(status.status, 200);
    assert.equal(status.body.cluster.status, 'disabled');
    assert.match(status.body.versionInfo.version, /^\d+\.\d+\.\d+/);
    const receivers = await call(am, 'GET', '/receivers');
    assert.deepEqual(receivers.body, [{ name: 'null' }]);
  });

  await t.test('POST /alerts, then GET /alerts?filter= finds it by label', async () => {
    const mine = key();
    const other = key();
    const startsAt = inMinutes(-5);
    const endsAt = inMinutes(30);
    const posted = await call(am, 'POST', '/alerts', [
      {
        labels: { alertname: 'LinkFailed', severity: 'critical', system_key: mine },
        annotations: { summary: 'link failed' },
        startsAt,
        endsAt,
        generatorURL: 'http://muster.test/',
      },
      { labels: { alertname: 'LinkFailed', severity: 'critical', system_key: other } },
    ]);
    assert.equal(posted.status, 200);
    assert.equal(posted.body, undefined, 'POST /alerts answers 200 with an empty body');

    const found = await call(am, 'GET', `/alerts${filter(`system_key="${mine}"`)}`);
    assert.equal(found.status, 200);
    assert.equal(found.body.length, 1);
    const [alert] = found.body;
    assert.deepEqual(alert.labels, { alertname: 'LinkFailed', severity: 'critical', system_key: mine });
    assert.deepEqual(alert.annotations, { summary: 'link failed' });
    assert.equal(alert.startsAt, startsAt);
    assert.equal(alert.endsAt, endsAt);
    assert.equal(alert.generatorURL, 'http://muster.test/');
    assert.deepEqual(alert.status, { inhibitedBy: [], silencedBy: [], state: 'active' });
    assert.deepEqual(alert.receivers, [{ name: 'null' }]);
    assert.match(alert.fingerprint, /^[0-9a-f]{16}$/);
    assert.ok(alert.updatedAt);

    // Unquoted values work too; several filter parameters are ANDed; regexes are anchored.
    assert.equal((await call(am, 'GET', `/alerts${filter(`system_key=${mine}`)}`)).body.length, 1);
    assert.equal((await call(am, 'GET', `/alerts${filter(`system_key="${mine}"`, `system_key="${other}"`)}`)).body.length, 0);
    assert.equal((await call(am, 'GET', `/alerts${filter(`system_key=~"${mine}|${other}"`)}`)).body.length, 2);
    assert.equal((await call(am, 'GET', `/alerts${filter(`system_key=~"${mine.slice(0, -1)}"`)}`)).body.length, 0);

    // An alert posted without times gets startsAt = now and endsAt = now + resolve_timeout (5m).
    const [defaulted] = (await call(am, 'GET', `/alerts${filter(`system_key="${other}"`)}`)).body;
    const window = Date.parse(defaulted.endsAt) - Date.parse(defaulted.startsAt);
    assert.ok(Math.abs(window - 5 * 60_000) < 1_000, `endsAt - startsAt = ${window} ms`);
  });

  await t.test('resolved alerts (endsAt in the past) are not listed', async () => {
    const system = key();
    const labels = { alertname: 'LinkFailed', system_key: system };
    const startsAt = inMinutes(-10);
    assert.equal((await call(am, 'POST', '/alerts', [{ labels, startsAt, endsAt: inMinutes(10) }])).status, 200);
    assert.equal((await call(am, 'GET', `/alerts${filter(`system_key="${system}"`)}`)).body.length, 1);
    // Resolving = the same labels with endsAt now (send startsAt too: without it startsAt := endsAt).
    assert.equal((await call(am, 'POST', '/alerts', [{ labels, startsAt, endsAt: new Date().toISOString() }])).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual((await call(am, 'GET', `/alerts${filter(`system_key="${system}"`)}`)).body, []);
    // Not listed with any state filter either.
    assert.deepEqual((await call(am, 'GET', `/alerts${filter(`system_key="${system}"`).concat('&active=false&silenced=true&inhibited=true')}`)).body, []);

    // An alert that arrives already resolved is accepted but never listed.
    const late = key();
    const resolved = await call(am, 'POST', '/alerts', [{ labels: { alertname: 'Old', system_key: late }, startsAt: inMinutes(-120), endsAt: inMinutes(-60) }]);
    assert.equal(resolved.status, 200);
    assert.deepEqual((await call(am, 'GET', `/alerts${filter(`system_key="${late}"`)}`)).body, []);
  });

  await t.test('bad alerts and bad filters are 400', async () => {
    const noLabels = await call(am, 'POST', '/alerts', [{ labels: {} }]);
    assert.equal(noLabels.status, 400);
    assert.equal(noLabels.body, 'at least one label pair required');
    const backwards = await call(am, 'POST', '/alerts', [{ labels: { a: 'b' }, startsAt: inMinutes(10), endsAt: inMinutes(5) }]);
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body, 'start time must be before end time');
    const notArray = await call(am, 'POST', '/alerts', { labels: { a: 'b' } });
    assert.equal(notArray.status, 400);
    assert.equal(notArray.body.code, 400);
    // Schema violations (a required field missing) are 422 with {code: 6xx, message}.
    const missing = await call(am, 'POST', '/alerts', [{ annotations: {} }]);
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body, { code: 602, message: '0.labels in body is required' });
    assert.equal((await call(am, 'GET', `/alerts${filter('{system_key="X"}')}`)).status, 400);
    assert.equal((await call(am, 'GET', `/alerts${filter('system_key="X",alertname="Y"')}`)).status, 400);
    assert.equal((await call(am, 'GET', `/silences${filter('bad')}`)).status, 400);
  });

  await t.test('silences: create, get, list by filter, silence an alert, update, delete', async () => {
    const system = key();
    const labels = { alertname: 'LinkFailed', system_key: system };
    await call(am, 'POST', '/alerts', [{ labels, startsAt: inMinutes(-1), endsAt: inMinutes(30) }]);

    const created = await call(am, 'POST', '/silences', silenceBody([exact('alertname', 'LinkFailed'), { name: 'system_key', value: system, isRegex: false }]));
    assert.equal(created.status, 200);
    assert.deepEqual(Object.keys(created.body), ['silenceID']);
    const id: string = created.body.silenceID;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // GET and DELETE by id use the singular /silence/{id}; the plural form is not a route.
    const got = await call(am, 'GET', `/silence/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.id, id);
    assert.equal(got.body.status.state, 'active');
    assert.equal(got.body.createdBy, 'harness-test');
    assert.deepEqual(got.body.matchers, [exact('alertname', 'LinkFailed'), exact('system_key', system)], 'isEqual defaults to true');
    assert.equal((await call(am, 'GET', `/silences/${id}`)).status, 404);

    // The silenced alert is suppressed.
    const [alert] = (await call(am, 'GET', `/alerts${filter(`system_key="${system}"`)}`)).body;
    assert.equal(alert.status.state, 'suppressed');
    assert.deepEqual(alert.status.silencedBy, [id]);
    assert.equal((await call(am, 'GET', `/alerts${filter(`system_key="${system}"`)}&silenced=false`)).body.length, 0);

    // The silences filter compares matchers, not label values: only an identical matcher hits.
    const regex = await call(am, 'POST', '/silences', silenceBody([{ name: 'system_key', value: `${system}|NETH-OTHER`, isRegex: true }]));
    assert.equal(regex.status, 200);
    const listed = await call(am, 'GET', `/silences${filter(`system_key="${system}"`)}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.map((s: { id: string }) => s.id),
      [id],
    );
    const byRegex = await call(am, 'GET', `/silences${filter(`system_key=~"${system}|NETH-OTHER"`)}`);
    assert.deepEqual(
      byRegex.body.map((s: { id: string }) => s.id),
      [regex.body.silenceID],
    );

    // POST with the id of an active silence, same matchers and startsAt: updated in place.
    const sameId = await call(am, 'POST', '/silences', { ...got.body, status: undefined, updatedAt: undefined, comment: 'extended', endsAt: inMinutes(120) });
    assert.equal(sameId.status, 200);
    assert.equal(sameId.body.silenceID, id);
    assert.equal((await call(am, 'GET', `/silence/${id}`)).body.comment, 'extended');
    // Changed matchers: the old silence is expired and a new id is returned.
    const replaced = await call(am, 'POST', '/silences', { ...silenceBody([exact('system_key', system)]), id });
    assert.equal(replaced.status, 200);
    assert.notEqual(replaced.body.silenceID, id);
    assert.equal((await call(am, 'GET', `/silence/${id}`)).body.status.state, 'expired');
    // An id that does not exist: 404.
    const unknownUpdate = await call(am, 'POST', '/silences', { ...silenceBody([exact('system_key', system)]), id: '00000000-0000-0000-0000-000000000000' });
    assert.equal(unknownUpdate.status, 404);

    // DELETE expires (the silence stays readable); deleting an expired silence is 200 again.
    const newId: string = replaced.body.silenceID;
    const deleted = await fetch(`${am.url}/api/v2/silence/${newId}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal(await deleted.text(), '');
    assert.equal((await call(am, 'GET', `/silence/${newId}`)).body.status.state, 'expired');
    assert.equal((await call(am, 'DELETE', `/silence/${newId}`)).status, 200);
    assert.equal((await call(am, 'DELETE', `/silence/${regex.body.silenceID}`)).status, 200);
    // Expired silences stay listed (until --data.retention); the alert is active again.
    const afterDelete = await call(am, 'GET', `/silences${filter(`system_key="${system}"`)}`);
    assert.deepEqual(
      afterDelete.body.map((s: { status: { state: string } }) => s.status.state),
      ['expired', 'expired'],
    );
    const [again] = (await call(am, 'GET', `/alerts${filter(`system_key="${system}"`)}`)).body;
    assert.equal(again.status.state, 'active');
  });

  await t.test('silence errors: unknown ids, bad ids, invalid silences', async () => {
    const unknown = '00000000-0000-0000-0000-000000000000';
    assert.equal((await call(am, 'GET', `/silence/${unknown}`)).status, 404);
    // 0.25 answers 500 "silence not found" here; later versions answer 404.
    const deleteUnknown = await call(am, 'DELETE', `/silence/${unknown}`);
    assert.ok([404, 500].includes(deleteUnknown.status), `DELETE unknown silence: ${deleteUnknown.status}`);
    assert.equal((await call(am, 'GET', '/silence/not-a-uuid')).status, 422);
    assert.equal((await call(am, 'DELETE', '/silence/not-a-uuid')).status, 422);

    const matchesEverything = await call(am, 'POST', '/silences', silenceBody([{ name: 'system_key', value: '.*', isRegex: true }]));
    assert.equal(matchesEverything.status, 400);
    const inThePast = await call(am, 'POST', '/silences', silenceBody([exact('system_key', key())], { startsAt: inMinutes(-120), endsAt: inMinutes(-60) }));
    assert.equal(inThePast.status, 400);
    const noMatchers = await call(am, 'POST', '/silences', silenceBody([]));
    assert.equal(noMatchers.status, 422);
    const noComment = await call(am, 'POST', '/silences', silenceBody([exact('system_key', key())], { comment: undefined }));
    assert.equal(noComment.status, 422);
  });
});

test('Alertmanager harness: custom route and receivers, and stop()', { timeout: 60_000 }, async (t) => {
  if (!available) {
    t.skip(SKIP_REASON);
    return;
  }
  const notifications: { receiver: string; status: string; alerts: { labels: Record<string, string> }[] }[] = [];
  let notified: () => void = () => {};
  const received = new Promise<void>((resolve) => (notified = resolve));
  const webhook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof notifications)[number]);
      response.end();
      notified();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        webhook.close(() => resolve());
        webhook.closeAllConnections();
      }),
  );
  const hookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;

  const am = await startAlertmanager({
    route: { receiver: 'hook', group_by: ['system_key'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'hook', webhook_configs: [{ url: hookUrl, send_resolved: true }] }],
  });
  t.after(() => am.stop());

  assert.deepEqual((await call(am, 'GET', '/receivers')).body, [{ name: 'hook' }]);
  const system = key();
  assert.equal((await call(am, 'POST', '/alerts', [{ labels: { alertname: 'LinkFailed', system_key: system } }])).status, 200);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no webhook call:\n${am.logs()}`)), 15_000)));
  await Promise.race([received, timeout]).finally(() => clearTimeout(timer));
  const [first] = notifications;
  assert.equal(first?.receiver, 'hook');
  assert.equal(first?.status, 'firing');
  assert.equal(first?.alerts[0]?.labels.system_key, system);

  await am.stop();
  await am.stop();
  await assert.rejects(fetch(`${am.url}/-/ready`), 'nothing listens after stop()');
});
