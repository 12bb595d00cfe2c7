/**
 * Keeps WebAssembly on V8's baseline compiler (Liftoff): no optimizing tier-up (TurboFan). The
 * embedded database runs with it unless EMBEDDED_WASM_OPTIMIZER=on (src/memory/runtime-relaunch.ts
 * restarts the process with it).
 *
 * Why: V8 optimizes WASM functions once they are hot, and optimizing PostgreSQL's parser
 * (raw_parser, 105 kB of WASM) takes about 600 MB of compiler memory for half a second (its
 * Turboshaft graph; measured with --turbo-stats-wasm). That alone put the process's peak near
 * 1.2 GB, and what it left behind in the allocator ~90 MB more at idle. Baseline code makes a
 * statement about twice as slow: heartbeats keep their throughput (larger batches), inventory
 * ingest loses about a quarter (ADR 0011).
 */
export const BASELINE_WASM_FLAG = '--liftoff-only';
