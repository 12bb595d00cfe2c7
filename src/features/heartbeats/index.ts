export { createHeartbeats, type HeartbeatsDeps } from './create-heartbeats.ts';
