export { createLiveness, type Liveness, type LivenessDeps } from './create-liveness.ts';
export { evaluateLiveness, type Transition } from './liveness-rules.ts';
export type { LivenessService } from './liveness-service.ts';
export type { ForwardedTransition, Heartbeat, HeartbeatReport, PeerHeartbeat, UnalertedEvent } from './liveness-store.ts';
export type { TransitionRelay, TransitionRelayOptions } from './transition-relay.ts';
