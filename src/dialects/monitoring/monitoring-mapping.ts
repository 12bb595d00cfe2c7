import { isIPv4, isIPv6 } from 'node:net';
import type { MetricNumbers } from '../../features/metrics/index.ts';
import type { MonitoringContainer, MonitoringReport } from './report-model.ts';

/**
 * `datetime.utcnow().isoformat()`, as the peer writes its own times: UTC without an offset,
 * microseconds when there are any (Muster's clock has milliseconds).
 */
export function pythonUtcIsoformat(at: Date): string {
  const text = at.toISOString().slice(0, -1);
  return text.endsWith('.000') ? text.slice(0, -4) : `${text}000`;
}

/** The report's numbers for the metrics store (SPEC §10). */
export function numbersOf(report: MonitoringReport): MetricNumbers {
  return {
    uptime_seconds: report.uptime_seconds,
    cpu: report.cpu,
    memory: report.memory,
    disks: report.disks,
    gpus: report.gpus,
    containers: report.containers,
  };
}

/**
 * The static part of a report, as the inventory Muster diffs: what a server is (names,
 * addresses, OS, group and labels, disks and their sizes, GPU models, containers and their
 * images), none of what it is doing. Disks, GPUs and containers are keyed by mountpoint, index
 * and name, so that a change reads as `monitoring.disks./data.total_gb` rather than as an index.
 * `fqdn`, `ipv4_address`/`ipv6_address` and `os` are where the inventory summary reads them.
 */
export function inventoryOf(report: MonitoringReport): Record<string, unknown> {
  const keyed = <T>(items: readonly T[], key: (item: T) => string, value: (item: T) => unknown) => {
    const entries: Record<string, unknown> = {};
    for (const item of items) if (!(key(item) in entries)) entries[key(item)] = value(item);
    return entries;
  };
  return {
    fqdn: report.hostname,
    ...(isIPv4(report.ip) ? { ipv4_address: report.ip } : isIPv6(report.ip) ? { ipv6_address: report.ip } : {}),
    os: report.os,
    monitoring: {
      server_alias: report.server_alias,
      ip: report.ip,
      machine_type: report.machine_type,
      group: report.group,
      labels: report.labels,
      disks: keyed(
        report.disks,
        (disk) => disk.mountpoint,
        (disk) => ({ fstype: disk.fstype, total_gb: disk.total_gb }),
      ),
      gpus: keyed(
        report.gpus,
        (gpu) => String(gpu.index),
        (gpu) => ({ name: gpu.name, memory_total_mb: gpu.memory_total_mb }),
      ),
      containers: keyed(
        report.containers,
        (container) => container.name,
        (container) => ({ image: container.image }),
      ),
    },
  };
}

/**
 * Everything `inventoryOf` reads, as one string: equal strings, equal inventories. Cheaper than
 * building the inventory, which happens only when this changed.
 */
export function staticSignature(report: MonitoringReport): string {
  const sep = '\u0000';
  const part = '\u0001';
  let text = [report.server_alias, report.hostname, report.ip, report.os, report.machine_type, report.group, report.labels.join(part)].join(sep);
  for (const disk of report.disks) text += `${sep}d${disk.mountpoint}${part}${disk.fstype}${part}${disk.total_gb}`;
  for (const gpu of report.gpus) text += `${sep}g${gpu.index}${part}${gpu.name}${part}${gpu.memory_total_mb}`;
  for (const container of report.containers) text += `${sep}c${container.name}${part}${container.image}`;
  return text;
}

/** How the peer shows a server in `/api/status`: the report's own keys, with its liveness. */
export function statusOf(report: MonitoringReport, down: boolean) {
  return {
    server_alias: report.server_alias,
    status: down ? 'down' : 'ok',
    hostname: report.hostname,
    ip: report.ip,
    uptime_seconds: report.uptime_seconds,
    cpu: report.cpu,
    memory: report.memory,
    disks: report.disks,
    users: report.users,
    gpus: report.gpus,
    timestamp: report.timestamp,
    os: report.os,
  };
}

/**
 * `/api/machines`: the server, then each of its containers, which are online only while the
 * server is (the peer keeps a container online after its host went silent) and it is running.
 */
export function machinesOf(report: MonitoringReport, down: boolean) {
  const alias = report.server_alias;
  const host = {
    id: alias,
    alias,
    type: report.machine_type,
    group: report.group,
    parent: null,
    ip: report.ip,
    os: report.os,
    labels: report.labels,
    status: down ? 'offline' : 'online',
  };
  const container = (c: MonitoringContainer) => ({
    id: `${alias}-${c.name}`,
    alias: c.name,
    type: 'container',
    group: report.group,
    parent: alias,
    ip: report.ip,
    os: c.image,
    labels: ['container', c.state],
    status: !down && c.state === 'running' ? 'online' : 'offline',
  });
  return [host, ...report.containers.map(container)];
}
