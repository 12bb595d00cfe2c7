export { createSso, type Sso, type SsoDeps } from './create-sso.ts';
export type { SsoIdentity, SsoRole } from './sso-identity.ts';
export type { CompleteSignIn, ProviderInfo } from './sso-routes.ts';
export { CALLBACK_PATH as SSO_CALLBACK_PATH } from './sso-paths.ts';
