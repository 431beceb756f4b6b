export {
  decryptCosignKey,
  encryptCosignKey,
  generateCosignKeyPair,
  COSIGN_KEY_LABEL,
  LEGACY_COSIGN_KEY_LABEL,
  MAX_KEY_FILE_BYTES,
  MAX_PASSWORD_BYTES,
  SCRYPT_LIMITS,
  type CosignKeyPair,
  type Password,
  type ScryptParams,
} from './cosign-key.js';
export { importPrivateKey, loadPrivateKey, loadPublicKey } from './public-key.js';
