import type { Config } from '../config/config.ts';

/** Keeps WebAssembly on V8's baseline compiler (Liftoff): no optimizing tier-up (TurboFan). */
export const BASELINE_WASM_FLAG = '--liftoff-only';

/**
 * Restarts this very process (same pid, through execve) with BASELINE_WASM_FLAG when it is about
 * to run the embedded database, unless EMBEDDED_WASM_OPTIMIZER=on or the flag is already given.
 *
 * Why: V8 optimizes WASM functions once they are hot, and optimizing PostgreSQL's parser
 * (raw_parser, 105 kB of WASM) takes about 600 MB of compiler memory for half a second (its
 * Turboshaft graph; measured with --turbo-stats-wasm). That alone put the process's peak near
 * 1.2 GB, and what it left behind in the allocator ~90 MB more at idle. Baseline code makes a
 * statement about twice as slow: heartbeats keep their throughput (larger batches), inventory
 * ingest loses about a quarter (ADR 0011). V8 flags cannot be changed once V8 runs, nor
 * passed in NODE_OPTIONS, hence the restart; `node src/main.ts` and `npm start` both get it.
 * Platforms without process.execve keep the optimizer.
 */
export function relaunchForEmbeddedDatabase(config: Pick<Config, 'databaseUrl' | 'embeddedWasmOptimizer'>): void {
  if (config.databaseUrl !== undefined || config.embeddedWasmOptimizer) return;
  if (process.execArgv.includes(BASELINE_WASM_FLAG) || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, BASELINE_WASM_FLAG, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
