// Apart from sso-service.ts, so that what routes and URLs need does not load openid-client.
export const SSO_PATH = '/api/v1/session/oidc';
export const START_PATH = `${SSO_PATH}/start`;
export const CALLBACK_PATH = `${SSO_PATH}/callback`;
