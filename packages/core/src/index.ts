export { ERRORS, SigilError, isSigilError, type SigilErrorCode } from './errors.js';
export { decodeBase64, encodeBase64, isBase64 } from './encoding/base64.js';
export { decodeHex, encodeHex } from './encoding/hex.js';
export { decodePem, decodePemBlocks, encodePem, type PemBlock } from './encoding/pem.js';
export { canonicalJson, canonicalJsonBytes } from './encoding/canonical-json.js';
export { DIGEST_LENGTH, digest, digestStream, sha256, type HashAlgorithm } from './hash.js';
export * from './merkle/index.js';
export * from './note/index.js';
export * from './crypto/index.js';
