export { createHeartbeats, type HeartbeatsDeps } from './create-heartbeats.ts';
export type { HeartbeatBatcher } from './heartbeat-batcher.ts';
