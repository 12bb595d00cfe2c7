/** What an organization API key may be used for (SPEC §9); the migration's CHECK lists the same. */
export const SCOPES = ['heartbeat-daemon', 'monitoring:write', 'monitoring:read', 'host-inventory:read', 'host-inventory:write', 'systems:read'] as const;
export type Scope = (typeof SCOPES)[number];
