export { createHeartbeatDaemon, type HeartbeatDaemonDeps } from './create-heartbeat-daemon.ts';
