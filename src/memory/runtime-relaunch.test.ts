import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASELINE_WASM_FLAG } from '../db/embedded-runtime.ts';
import { ALLOCATOR_TUNABLES, relaunchPlan, withAllocatorTunables, YOUNG_GENERATION_FLAG } from './runtime-relaunch.ts';

const embedded = { databaseUrl: undefined, embeddedWasmOptimizer: false, memoryAllocatorTuning: true };
const postgres = { ...embedded, databaseUrl: 'postgres://db/muster' };
const fresh = { execArgv: [], env: { PATH: '/bin' }, glibc: true };

describe('runtime relaunch', () => {
  it('restarts the embedded database on the baseline WASM compiler with the allocator tunables and a bounded young generation', () => {
    assert.deepEqual(relaunchPlan(embedded, fresh), {
      flags: [BASELINE_WASM_FLAG, YOUNG_GENERATION_FLAG],
      env: { PATH: '/bin', GLIBC_TUNABLES: ALLOCATOR_TUNABLES.join(':') },
    });
  });

  it("keeps an operator's own young generation size, given as an argument or in NODE_OPTIONS", () => {
    assert.deepEqual(relaunchPlan(postgres, { ...fresh, execArgv: ['--max-semi-space-size=64'] })?.flags, []);
    assert.deepEqual(relaunchPlan(postgres, { ...fresh, env: { NODE_OPTIONS: '--max-semi-space-size=8' } })?.flags, []);
  });

  it('restarts on PostgreSQL for the tunables alone, and not again once they are set', () => {
    const plan = relaunchPlan(postgres, fresh);
    assert.deepEqual(plan?.flags, [YOUNG_GENERATION_FLAG]);
    assert.equal(plan?.env.GLIBC_TUNABLES, ALLOCATOR_TUNABLES.join(':'));
    assert.equal(relaunchPlan(postgres, { ...fresh, execArgv: plan.flags, env: plan.env }), undefined);
    assert.equal(relaunchPlan(embedded, { ...fresh, execArgv: [BASELINE_WASM_FLAG, YOUNG_GENERATION_FLAG], env: plan.env }), undefined);
  });

  it('keeps the tunables an operator set, adding only the others', () => {
    assert.equal(
      withAllocatorTunables('glibc.malloc.arena_max=4'),
      `glibc.malloc.arena_max=4:${ALLOCATOR_TUNABLES.filter((tunable) => !tunable.startsWith('glibc.malloc.arena_max')).join(':')}`,
    );
    assert.equal(withAllocatorTunables(ALLOCATOR_TUNABLES.join(':')), ALLOCATOR_TUNABLES.join(':'));
  });

  it('leaves the allocator and the young generation alone when MEMORY_ALLOCATOR_TUNING=off, and the allocator when the C library is not glibc', () => {
    assert.equal(relaunchPlan({ ...postgres, memoryAllocatorTuning: false }, fresh), undefined);
    assert.deepEqual(relaunchPlan(postgres, { ...fresh, glibc: false }), { flags: [YOUNG_GENERATION_FLAG], env: fresh.env });
    assert.deepEqual(relaunchPlan({ ...embedded, memoryAllocatorTuning: false }, fresh), { flags: [BASELINE_WASM_FLAG], env: fresh.env });
  });

  it('keeps V8’s optimizer when EMBEDDED_WASM_OPTIMIZER=on', () => {
    assert.deepEqual(relaunchPlan({ ...embedded, embeddedWasmOptimizer: true }, fresh)?.flags, [YOUNG_GENERATION_FLAG]);
  });
});
