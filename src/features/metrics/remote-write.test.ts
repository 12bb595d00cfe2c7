import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { uncompressSync } from 'snappy';
import { eventually } from '../../../test/helpers/eventually.ts';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { prometheusAvailable, startPrometheus, type TestPrometheus } from '../../../test/helpers/prometheus.ts';
import { createRemoteWriter, type RemoteSample, type RemoteWriterOptions } from './remote-write.ts';
import { decodeWriteRequest, prometheusLabelName, prometheusMetricName, type ProtoWriteRequest } from './remote-write-proto.ts';

interface Received {
  headers: IncomingHttpHeaders;
  request: ProtoWriteRequest;
  at: number;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A remote-write receiver on loopback: decodes each body (snappy, then protobuf) and answers the scripted replies in turn, then 204. */
async function startReceiver(t: TestContext, replies: Reply[] = []) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = uncompressSync(Buffer.concat(chunks)) as Buffer;
      received.push({ headers: req.headers, request: decodeWriteRequest(body), at: performance.now() });
      const reply = replies.shift() ?? { status: 204 };
      res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`, received };
}

function writer(t: TestContext, url: string, options: Partial<RemoteWriterOptions> = {}) {
  const logs = captureLogs('info');
  const remote = createRemoteWriter({ url, logger: logs.logger, flushIntervalMs: 60_000, minBackoffMs: 5, maxBackoffMs: 50, ...options });
  t.after(() => remote.stop(100));
  return { remote, lines: logs.lines };
}

const sample = (value: number, timestampMs: number, labels: Record<string, string> = { system_id: 's1' }, name = 'cpu.percent'): RemoteSample => ({
  name,
  labels,
  timestampMs,
  value,
});

describe('remote write names', () => {
  it('map Muster names to legal Prometheus names', () => {
    assert.equal(prometheusMetricName('cpu.percent'), 'cpu_percent');
    assert.equal(prometheusMetricName('disk./var.used-bytes'), 'disk__var_used_bytes');
    assert.equal(prometheusMetricName('5m.load'), '_5m_load');
    assert.equal(prometheusMetricName('job:rate'), 'job:rate');
    assert.equal(prometheusMetricName('température'), 'temp_rature');
    assert.equal(prometheusLabelName('host.name'), 'host_name');
    assert.equal(prometheusLabelName('a:b'), 'a_b');
    assert.equal(prometheusLabelName('0day'), '_0day');
  });
});

describe('remote writer', () => {
  it('sends snappy-compressed protobuf with the protocol headers, series grouped with sorted labels', async (t) => {
    const receiver = await startReceiver(t);
    const { remote } = writer(t, receiver.url.replace('http://', 'http://muster:s%3Acret@'), { headers: { 'x-scope-orgid': 'fleet' } });
    remote.push([
      sample(2, 2_000, { system_id: 's1', 'host.name': 'a' }),
      sample(1, 1_000, { 'host.name': 'a', system_id: 's1' }),
      sample(7, 1_500, { system_id: 's2', empty: '' }, 'memory.used'),
    ]);
    await remote.flush();

    assert.equal(receiver.received.length, 1);
    const [{ headers, request }] = receiver.received as [Received];
    assert.equal(headers['content-encoding'], 'snappy');
    assert.equal(headers['content-type'], 'application/x-protobuf');
    assert.equal(headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.equal(headers['x-scope-orgid'], 'fleet');
    assert.equal(headers.authorization, `Basic ${Buffer.from('muster:s:cret').toString('base64')}`);
    assert.deepEqual(request.timeseries, [
      {
        labels: [
          { name: '__name__', value: 'cpu_percent' },
          { name: 'host_name', value: 'a' },
          { name: 'system_id', value: 's1' },
        ],
        samples: [
          { value: 1, timestamp: 1_000 },
          { value: 2, timestamp: 2_000 },
        ],
      },
      {
        labels: [
          { name: '__name__', value: 'memory_used' },
          { name: 'system_id', value: 's2' },
        ],
        samples: [{ value: 7, timestamp: 1_500 }],
      },
    ]);
    assert.deepEqual(remote.status(), { queued: 0, sent: 3, dropped: 0, failedAttempts: 0 });
  });

  it('sends full batches at once, in order, without waiting for the interval', async (t) => {
    const receiver = await startReceiver(t);
    const { remote } = writer(t, receiver.url, { maxBatchSamples: 2 });
    remote.push([sample(1, 1_000), sample(2, 2_000), sample(3, 3_000), sample(4, 4_000), sample(5, 5_000)]);
    await eventually(() => receiver.received.length === 2, 'two full batches');
    await remote.flush();
    const values = receiver.received.map((r) => r.request.timeseries.flatMap((s) => s.samples.map((x) => x.value)));
    assert.deepEqual(values, [[1, 2], [3, 4], [5]]);
  });

  it('retries a 503 after its Retry-After, then delivers', async (t) => {
    const receiver = await startReceiver(t, [{ status: 503, headers: { 'retry-after': '1' } }]);
    const { remote, lines } = writer(t, receiver.url, { maxBackoffMs: 5_000 });
    remote.push([sample(1, 1_000)]);
    await remote.flush();
    assert.equal(receiver.received.length, 2);
    const [first, second] = receiver.received as [Received, Received];
    assert.ok(second.at - first.at >= 950, `retried after ${second.at - first.at} ms, not the 1 s asked`);
    assert.deepEqual(second.request, first.request);
    const status = remote.status();
    assert.deepEqual({ ...status, lastError: undefined }, { queued: 0, sent: 1, dropped: 0, failedAttempts: 1, lastError: undefined });
    assert.equal(status.lastError, 'HTTP 503');
    assert.ok(lines.some((line) => line.includes('will retry')));
  });

  it('retries 429 and network errors with backoff, counting each failed attempt', async (t) => {
    const receiver = await startReceiver(t, [{ status: 429 }, { status: 500 }]);
    let refusals = 1;
    const flaky: typeof fetch = async (input, init) => {
      if (refusals-- > 0) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const failed: (number | undefined)[] = [];
    const { remote } = writer(t, receiver.url, { fetch: flaky, metrics: { failedAttempt: (status) => failed.push(status) } });
    remote.push([sample(1, 1_000)]);
    await remote.flush();
    assert.deepEqual(failed, [undefined, 429, 500]);
    assert.equal(receiver.received.length, 3);
    assert.equal(remote.status().sent, 1);
  });

  it('drops a batch refused with 400 without retrying, and goes on with the next', async (t) => {
    const receiver = await startReceiver(t, [{ status: 400, body: 'out of order sample' }]);
    const dropped: [number, string][] = [];
    const { remote, lines } = writer(t, receiver.url, { maxBatchSamples: 2, metrics: { samplesDropped: (count, reason) => dropped.push([count, reason]) } });
    remote.push([sample(1, 1_000), sample(2, 2_000), sample(3, 3_000)]);
    await remote.flush();
    assert.equal(receiver.received.length, 2);
    assert.deepEqual(dropped, [[2, 'rejected']]);
    assert.deepEqual(remote.status(), { queued: 0, sent: 1, dropped: 2, failedAttempts: 0, lastError: 'HTTP 400: out of order sample' });
    const refused = lines.map((line) => JSON.parse(line)).find((line) => line.msg.includes('refused'));
    assert.equal(refused.status, 400);
    assert.equal(refused.body, 'out of order sample');
  });

  it('drops the oldest samples beyond maxQueuedSamples, with one warning', async (t) => {
    const receiver = await startReceiver(t);
    const { remote, lines } = writer(t, receiver.url, { maxQueuedSamples: 3, maxBatchSamples: 10 });
    for (let value = 1; value <= 6; value++) remote.push([sample(value, value * 1_000)]);
    assert.deepEqual(remote.status(), { queued: 3, sent: 0, dropped: 3, failedAttempts: 0 });
    await remote.flush();
    assert.deepEqual(
      receiver.received[0]!.request.timeseries[0]!.samples.map((s) => s.value),
      [4, 5, 6],
    );
    const warnings = lines.map((line) => JSON.parse(line)).filter((line) => line.msg.includes('queue full'));
    assert.equal(warnings.length, 1, 'the warning is rate-limited');
  });

  it('stop sends what is queued, then refuses new samples', async (t) => {
    const receiver = await startReceiver(t);
    const { remote } = writer(t, receiver.url, { maxBatchSamples: 2 });
    remote.push([sample(1, 1_000), sample(2, 2_000), sample(3, 3_000)]);
    await remote.stop(5_000);
    assert.equal(receiver.received.length, 2);
    remote.push([sample(4, 4_000)]);
    assert.deepEqual(remote.status(), { queued: 0, sent: 3, dropped: 1, failedAttempts: 0 });
  });

  it('stop gives up at its deadline against a failing receiver, counting the loss and logging no credentials', async (t) => {
    const replies = Array.from({ length: 1_000 }, () => ({ status: 503 }));
    const receiver = await startReceiver(t, replies);
    const { remote, lines } = writer(t, receiver.url.replace('http://', 'http://muster:hunter2@'), { maxBatchSamples: 2 });
    remote.push([sample(1, 1_000), sample(2, 2_000), sample(3, 3_000)]);
    const started = performance.now();
    await remote.stop(300);
    assert.ok(performance.now() - started < 2_000);
    const status = remote.status();
    assert.equal(status.sent, 0);
    assert.equal(status.dropped, 3);
    assert.equal(status.queued, 0);
    assert.ok(status.failedAttempts > 0);
    assert.ok(lines.some((line) => line.includes('stopped before sending everything')));
    assert.ok(!lines.some((line) => line.includes('hunter2')), 'the password is never logged');
  });

  it('push never throws, even for garbage', (t) => {
    const { remote } = writer(t, 'http://127.0.0.1:9/api/v1/write');
    assert.doesNotThrow(() => remote.push(null as unknown as RemoteSample[]));
  });
});

const available = prometheusAvailable();

describe(
  'remote writer against Prometheus',
  { skip: available ? false : 'prometheus is not installed (apt-get install prometheus, or set PROMETHEUS_BIN)' },
  () => {
    let prometheus: TestPrometheus;
    before(async () => {
      prometheus = await startPrometheus();
    });
    after(() => prometheus?.stop());

    it('stores the samples, queryable by their mapped names and labels', async (t) => {
      const systemId = randomUUID();
      const { remote } = writer(t, prometheus.remoteWriteUrl);
      const now = Date.now();
      remote.push([
        sample(41.5, now - 120_000, { system_id: systemId, 'host.name': 'web-1' }),
        sample(42.5, now - 60_000, { system_id: systemId, 'host.name': 'web-1' }),
        sample(1024, now - 60_000, { system_id: systemId }, 'memory.used-bytes'),
      ]);
      await remote.flush();
      assert.deepEqual(remote.status(), { queued: 0, sent: 3, dropped: 0, failedAttempts: 0 }, prometheus.logs());

      const query = async (promql: string) => {
        const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}&time=${now / 1000}`);
        const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        assert.equal(body.status, 'success');
        return body.data.result;
      };
      const cpu = await eventually(async () => {
        const result = await query(`cpu_percent{system_id="${systemId}"}`);
        return result.length > 0 && result;
      }, 'cpu_percent in Prometheus');
      assert.deepEqual(
        cpu.map((r) => [r.metric, r.value[1]]),
        [[{ __name__: 'cpu_percent', system_id: systemId, host_name: 'web-1' }, '42.5']],
      );

      const range = await query(`cpu_percent{system_id="${systemId}"}[5m]`);
      assert.deepEqual(
        (range as unknown as { values: [number, string][] }[])[0]!.values.map(([at, value]) => [Math.round(at * 1000), value]),
        [
          [now - 120_000, '41.5'],
          [now - 60_000, '42.5'],
        ],
      );
      const memory = await query(`memory_used_bytes{system_id="${systemId}"}`);
      assert.equal(memory[0]?.value[1], '1024');
    });

    it('answers a sample out of order with 400, which the writer drops without retrying', async (t) => {
      const systemId = randomUUID();
      const { remote } = writer(t, prometheus.remoteWriteUrl);
      const now = Date.now();
      remote.push([sample(1, now - 30_000, { system_id: systemId })]);
      await remote.flush();
      remote.push([sample(2, now - 90_000, { system_id: systemId })]);
      await remote.flush();
      const status = remote.status();
      assert.equal(status.sent, 1, prometheus.logs());
      assert.equal(status.dropped, 1);
      assert.equal(status.failedAttempts, 0);
      assert.match(status.lastError ?? '', /^HTTP 400/);
    });
  },
);
