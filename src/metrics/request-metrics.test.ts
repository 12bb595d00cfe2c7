import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createRequestMetrics } from './request-metrics.ts';

describe('request metrics', () => {
  it('exposes request counts by status and a cumulative latency histogram by route, as prom-client would', async () => {
    const registry = new Registry();
    const metrics = createRequestMetrics(registry);
    metrics.observe('POST', '/api/systems/heartbeat', 200, 0.0031);
    metrics.observe('POST', '/api/systems/heartbeat', 200, 0.02);
    metrics.observe('POST', '/api/systems/heartbeat', 401, 0.001);
    metrics.observe('GET', '/metrics', 200, 11);
    const lines = (await registry.metrics()).split('\n');
    const heartbeat = 'method="POST",route="/api/systems/heartbeat"';
    for (const expected of [
      '# TYPE muster_http_requests_total counter',
      `muster_http_requests_total{${heartbeat},status_code="200"} 2`,
      `muster_http_requests_total{${heartbeat},status_code="401"} 1`,
      'muster_http_requests_total{method="GET",route="/metrics",status_code="200"} 1',
      '# TYPE muster_http_request_duration_seconds histogram',
      // A bound holds the observations up to and including it.
      `muster_http_request_duration_seconds_bucket{le="0.001",${heartbeat}} 1`,
      `muster_http_request_duration_seconds_bucket{le="0.005",${heartbeat}} 2`,
      `muster_http_request_duration_seconds_bucket{le="0.025",${heartbeat}} 3`,
      `muster_http_request_duration_seconds_bucket{le="10",${heartbeat}} 3`,
      `muster_http_request_duration_seconds_bucket{le="+Inf",${heartbeat}} 3`,
      `muster_http_request_duration_seconds_sum{${heartbeat}} 0.0241`,
      `muster_http_request_duration_seconds_count{${heartbeat}} 3`,
      'muster_http_request_duration_seconds_bucket{le="10",method="GET",route="/metrics"} 0',
      'muster_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/metrics"} 1',
    ]) {
      assert.ok(lines.includes(expected), `missing: ${expected}`);
    }
    registry.resetMetrics();
    assert.doesNotMatch(await registry.metrics(), /muster_http_requests_total\{/);
  });
});
