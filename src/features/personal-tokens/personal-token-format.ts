import { prefixedTokenFormat } from '../../crypto/prefixed-token.ts';

/** `mpt_<public id>_<secret>`. */
export const personalTokenFormat = prefixedTokenFormat('mpt_');
