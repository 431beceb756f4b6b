export {
  fetchSigstoreTrust,
  SIGNING_CONFIG_TARGET,
  TRUSTED_ROOT_TARGET,
  type FetchSigstoreTrustOptions,
  type SigstoreTrust,
} from './sigstore-trust.js';
export { defaultCacheRoot } from './cache-dir.js';
export { PUBLIC_GOOD_MIRROR, PUBLIC_GOOD_ROOT_JSON } from './public-good-root.js';
