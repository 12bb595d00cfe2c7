// What an organization API key may be used for (SPEC §9); the migration's CHECK lists the same.
export { API_KEY_SCOPES as SCOPES, type ApiKeyScope as Scope } from '../../domain/access.ts';
