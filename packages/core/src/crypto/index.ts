export {
  defaultHash, describePublicKey, keyId, parseCertificateDer, parseCertificatePem, parsePublicKeyPem, publicKeyToPem,
  verifyDigestSignature, verifyMessageSignature, verifyWithKey, type KeyDetails, type ParsedCertificate, type PublicKeyInfo,
} from './keys.js';
export { parseDerSignature, precomputeEcdsaInverses, verifyEcdsaDigest, verifyEcdsaDigestReference } from './ecdsa-prehashed.js';
export { verifyEd25519phDigest } from './ed25519ph.js';
export { signDigest } from './sign-digest.js';
export { importSpki, spkiShape } from './import-spki.js';
