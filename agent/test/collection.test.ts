import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHash } from '../src/canonical-hash.ts';
import { createMachineCollector } from '../src/collect/collector.ts';

describe('collection from this machine', () => {
  it('gives the generic inventory shape, identical on two consecutive runs', async () => {
    const collector = createMachineCollector({ environment: 'test' });
    const first = await collector.inventory();
    const second = await collector.inventory();
    for (const key of ['fqdn', 'ipv4_address', 'ipv6_address', 'version', 'os', 'hardware', 'network', 'services', 'features', 'custom'])
      assert.ok(key in first, `inventory has ${key}`);
    assert.equal(typeof first.fqdn, 'string');
    assert.ok((first.fqdn as string).length > 0);
    assert.equal(typeof (first.os as { name: unknown }).name, 'string');
    assert.ok((first.hardware as { cpu_threads: number }).cpu_threads >= 1);
    assert.equal(typeof (first.network as { interfaces: unknown }).interfaces, 'object');
    assert.deepEqual(Object.keys(first.features as object).sort(), ['docker', 'firewall']);
    assert.deepEqual(first.custom, { environment: 'test' });
    assert.deepEqual(second, first);
    assert.equal(canonicalHash(second), canonicalHash(first));
  });

  it('gives metrics with the names of SPEC §10', async () => {
    const sample = (await createMachineCollector({}).metrics()) as {
      uptime_seconds: number;
      cpu: { percent: number; cores: number; loadavg: Record<string, number> };
      memory: { total_gb: number; used_gb: number; percent: number };
      disks: { mountpoint: string; free_gb: number; total_gb: number; percent: number }[];
    };
    assert.ok(sample.uptime_seconds > 0);
    assert.ok(sample.cpu.percent >= 0 && sample.cpu.percent <= 100);
    assert.ok(sample.cpu.cores >= 1);
    assert.deepEqual(Object.keys(sample.cpu.loadavg), ['1m', '5m', '15m']);
    assert.ok(sample.memory.total_gb > 0 && sample.memory.used_gb > 0);
    assert.ok(sample.disks.length >= 1);
    for (const disk of sample.disks) assert.deepEqual(Object.keys(disk), ['mountpoint', 'free_gb', 'total_gb', 'percent']);
  });
});
