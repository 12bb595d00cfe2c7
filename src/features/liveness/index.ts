export { createLiveness, type Liveness, type LivenessDeps } from './create-liveness.ts';
export { evaluateLiveness, type Transition } from './liveness-rules.ts';
export type { LivenessService } from './liveness-service.ts';
export type { Heartbeat, UnalertedEvent } from './liveness-store.ts';
