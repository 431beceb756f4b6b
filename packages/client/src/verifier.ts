// The offline verifier alone (`@sigil/client/verify`): what `verify-blob` loads, without the
// signing, identity, TUF and registry code.
export { verifyBundle, prepareBundle, createVerifier, type VerifyInput, type VerifiedResult, type VerifiedTlogEntry } from './verify.js';
export { parseBundle, BUNDLE_LIMITS, type Bundle, type BundleContent, type BundleVersion, type HashName, type SigningMaterial, type TlogEntry } from './bundle.js';
export { parseTrustedRoot, type TrustMaterial, type TransparencyLog, type CertificateAuthority, type ValidFor } from './trusted-root.js';
export { anchored, type Identity, type Policy } from './policy.js';
export { MAX_SUBJECTS, type Artifact, type Statement } from './artifact.js';
export type { VerifyCode } from './fail.js';
