/** /proc readings (Linux): CPU time and peak RSS of a child, without asking it. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a process, or undefined when /proc is not there. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine spent busy (all cores, not idle or waiting for I/O) since boot. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user already)
    const busy = ticks.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
    return busy / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A size line of /proc/<pid>/status (VmHWM, VmRSS, …) in bytes, or undefined. */
function statusBytes(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** VmHWM (peak resident set size since start) in bytes, or undefined. */
export const peakRssFromProc = (pid: number): number | undefined => statusBytes(pid, 'VmHWM');

/** VmRSS (resident set size now) in bytes, or undefined. */
export const rssFromProc = (pid: number): number | undefined => statusBytes(pid, 'VmRSS');

/**
 * Resident bytes of the process's WebAssembly memories, or undefined. V8 reserves each memory as
 * one anonymous range of 8 GiB or more: the memory's current size readable and writable, the
 * rest inaccessible (its growth room and guard region), two mappings in smaps. Nothing else in a
 * Node process reserves that much, so each inaccessible mapping of over 4 GiB counts the
 * resident pages of the mapping that ends where it begins.
 */
export function wasmResidentFromProc(pid: number): number | undefined {
  try {
    const mappings: { start: number; end: number; inaccessible: boolean; rss: number }[] = [];
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const mapping = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(\S*)/.exec(line);
      if (mapping)
        mappings.push({
          start: Number.parseInt(mapping[1]!, 16),
          end: Number.parseInt(mapping[2]!, 16),
          inaccessible: mapping[3] === '---p' && mapping[4] === '',
          rss: 0,
        });
      else if (line.startsWith('Rss:') && mappings.length > 0) mappings.at(-1)!.rss = Number(/(\d+)/.exec(line)![1]) * 1024;
    }
    let total = 0;
    mappings.forEach((mapping, index) => {
      const before = mappings[index - 1];
      if (mapping.inaccessible && mapping.end - mapping.start > 4 * 1024 ** 3 && before?.end === mapping.start) total += before.rss;
    });
    return total;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process whose command name is one of `names` (e.g. `postgres`), summed. */
export function cpuSecondsOfCommand(names: readonly string[]): number | undefined {
  try {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let comm: string;
      try {
        comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (names.includes(comm)) total += cpuSeconds(Number(entry)) ?? 0;
    }
    return total;
  } catch {
    return undefined;
  }
}
