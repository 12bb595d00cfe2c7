export type { ApiKeyAuthenticator, AuthenticatedApiKey } from './api-key-authenticator.ts';
export type { ApiKeysService } from './api-keys-service.ts';
export { createApiKeys, type ApiKeys, type ApiKeysDeps } from './create-api-keys.ts';
export { SCOPES, type Scope } from './scopes.ts';
