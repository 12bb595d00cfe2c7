import os from 'node:os';
import si from 'systeminformation';
import { dockerReachable } from './inventory-collector.ts';
import { compareText } from './compare-text.ts';
import { run } from './run-command.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Filesystems that hold no data of their own (memory, kernel views, container layers). */
const PSEUDO_FILESYSTEM = /^(tmpfs|devtmpfs|overlay|squashfs|proc|sysfs|cgroup2?|devpts|mqueue|autofs|nsfs|fuse\..*|efivarfs|ramfs)$/;

export interface MetricsCollector {
  /** One sample in the body of POST /api/systems/metrics (SPEC §10's names), without its timestamp. */
  sample(): Promise<Record<string, unknown>>;
}

/** CPU use is measured between consecutive samples (the first one over a short wait). */
export function createMetricsCollector(): MetricsCollector {
  let previous = cpuTimes();
  let firstSample = true;
  return {
    async sample() {
      if (firstSample) {
        firstSample = false;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const current = cpuTimes();
      const busy = current.busy - previous.busy;
      const total = current.total - previous.total;
      previous = current;
      const [load1, load5, load15] = os.loadavg();
      const [mem, disks, gpus, containers] = await Promise.all([si.mem(), diskMetrics(), gpuMetrics(), containerMetrics()]);
      const used = mem.total - mem.available;
      return {
        uptime_seconds: Math.round(os.uptime()),
        cpu: { percent: total > 0 ? round2((100 * busy) / total) : 0, cores: os.availableParallelism(), loadavg: { '1m': load1, '5m': load5, '15m': load15 } },
        memory: { total_gb: round2(mem.total / GiB), used_gb: round2(used / GiB), percent: round2((100 * used) / mem.total) },
        disks,
        ...(gpus.length > 0 ? { gpus } : {}),
        ...(containers === undefined ? {} : { containers }),
      };
    },
  };
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

async function diskMetrics(): Promise<Record<string, unknown>[]> {
  const filesystems = await si.fsSize().catch(() => []);
  const seen = new Set<string>();
  return filesystems
    .filter((item) => !PSEUDO_FILESYSTEM.test(item.type) && item.size > 0)
    .filter((item) => !seen.has(item.mount) && seen.add(item.mount))
    .sort((a, b) => compareText(a.mount, b.mount))
    .map((item) => ({ mountpoint: item.mount, free_gb: round2(item.available / GiB), total_gb: round2(item.size / GiB), percent: round2(item.use) }));
}

/** NVIDIA GPUs through nvidia-smi when it is installed; none otherwise. */
async function gpuMetrics(): Promise<Record<string, unknown>[]> {
  const output = await run('nvidia-smi', ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits']);
  if (!output) return [];
  return output
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((field) => Number(field.trim())))
    .filter((fields) => fields.length === 4 && fields.every(Number.isFinite))
    .map(([index, utilization, used, total]) => ({ index, utilization_pct: utilization, memory_used_mb: used, memory_total_mb: total }));
}

/** Running containers when Docker's socket is reachable; undefined (no `containers` at all) when it is not. */
async function containerMetrics(): Promise<Record<string, unknown>[] | undefined> {
  if (!(await dockerReachable())) return undefined;
  const [containers, stats] = await Promise.all([si.dockerContainers().catch(() => []), si.dockerContainerStats('*').catch(() => [])]);
  const names = new Map(containers.map((container) => [container.id, container.name]));
  return stats
    .filter((item) => names.has(item.id))
    .map((item) => ({ name: names.get(item.id)!, cpu_pct: round2(item.cpuPercent), mem_mb: round2(item.memUsage / MiB) }))
    .sort((a, b) => compareText(a.name, b.name));
}
