export { createPersonalTokens, type PersonalTokens, type PersonalTokensDeps } from './create-personal-tokens.ts';
