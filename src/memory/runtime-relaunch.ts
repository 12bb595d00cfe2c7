import type { Config } from '../config/config.ts';
import { BASELINE_WASM_FLAG } from '../db/embedded-runtime.ts';

/**
 * glibc malloc settings that hand memory freed by large allocations back to the system.
 * - mmap_threshold 128 KiB, fixed: glibc's default threshold starts there but rises to the size
 *   of each large block freed (up to 32 MiB), after which request bodies, pg's protocol buffers
 *   and database answers of megabytes are carved out of the heap, whose freed middle is never
 *   returned. Fixed, such blocks are mapped on their own and unmapped when freed.
 * - arena_max 2: each thread that allocates (libuv's pool, V8's compiler and GC threads) may
 *   otherwise get its own 64 MiB arena, each keeping its own free memory.
 */
export const ALLOCATOR_TUNABLES = ['glibc.malloc.mmap_threshold=131072', 'glibc.malloc.arena_max=2'];

/**
 * V8's young generation at most 16 MiB per semi-space (Node 18's default). Node 24 grows it up to
 * 64 MiB on a machine with much memory after a burst of allocations (start-up, a large
 * inventory), and the pages it touched stay resident: an idle node measured 316 MiB with it and
 * 270 MiB capped. An operator's own --max-semi-space-size (argument or NODE_OPTIONS) stands.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=16';

export interface Runtime {
  execArgv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Whether the C library is glibc (the only one reading GLIBC_TUNABLES). */
  glibc: boolean;
}

/** Whether this process runs on glibc (Node's report names its version only there). */
export function runsOnGlibc(): boolean {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return report.header?.glibcVersionRuntime !== undefined;
}

/** GLIBC_TUNABLES with ours added, keeping any tunable the environment already sets. */
export function withAllocatorTunables(current: string | undefined): string {
  const given = (current ?? '').split(':').filter(Boolean);
  const names = new Set(given.map((tunable) => tunable.split('=')[0]));
  return [...given, ...ALLOCATOR_TUNABLES.filter((tunable) => !names.has(tunable.split('=')[0]))].join(':');
}

/**
 * What this process must be restarted with to run as configured, or undefined when it already
 * does: V8's baseline WASM compiler for the embedded database (EMBEDDED_WASM_OPTIMIZER=off, see
 * embedded-runtime.ts), the allocator settings on glibc and a bounded young generation
 * (MEMORY_ALLOCATOR_TUNING=on).
 */
export function relaunchPlan(
  config: Pick<Config, 'databaseUrl' | 'embeddedWasmOptimizer' | 'memoryAllocatorTuning'>,
  runtime: Runtime,
): { flags: string[]; env: NodeJS.ProcessEnv } | undefined {
  const flags = config.databaseUrl === undefined && !config.embeddedWasmOptimizer && !runtime.execArgv.includes(BASELINE_WASM_FLAG) ? [BASELINE_WASM_FLAG] : [];
  const semiSpaceGiven = [...runtime.execArgv, runtime.env.NODE_OPTIONS ?? ''].some((argument) => argument.includes('--max-semi-space-size'));
  if (config.memoryAllocatorTuning && !semiSpaceGiven) flags.push(YOUNG_GENERATION_FLAG);
  const tunables = config.memoryAllocatorTuning && runtime.glibc ? withAllocatorTunables(runtime.env.GLIBC_TUNABLES) : runtime.env.GLIBC_TUNABLES;
  if (flags.length === 0 && tunables === runtime.env.GLIBC_TUNABLES) return undefined;
  return { flags, env: tunables === undefined ? runtime.env : { ...runtime.env, GLIBC_TUNABLES: tunables } };
}

/**
 * Restarts this very process (same pid, through execve) as relaunchPlan says, before anything is
 * opened. Both must be in place when the process starts: V8 flags cannot be changed once V8 runs
 * (nor passed in NODE_OPTIONS), and glibc reads its tunables once, when the program is loaded.
 * `node src/main.ts` and `npm start` both get them. Platforms without process.execve run as they are.
 */
export function relaunchWithRuntimeSettings(config: Pick<Config, 'databaseUrl' | 'embeddedWasmOptimizer' | 'memoryAllocatorTuning'>): void {
  if (typeof process.execve !== 'function') return;
  const plan = relaunchPlan(config, { execArgv: process.execArgv, env: process.env, glibc: runsOnGlibc() });
  if (!plan) return;
  process.execve(process.execPath, [process.execPath, ...plan.flags, ...process.execArgv, ...process.argv.slice(1)], plan.env);
}
