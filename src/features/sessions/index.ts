export { createSessions, type Sessions, type SessionsDeps } from './create-sessions.ts';
export type { SessionsService } from './sessions-service.ts';
export { SESSION_COOKIE } from './session-token.ts';
