export { signBlob, attestBlob, type Artifact as SignArtifact, type AttestInput, type SignOptions, type SignResult, type StepReporter } from './sign.js';
export { parseSigningConfig, type SigningServices } from './signing-config.js';
export { MAX_PREDICATE_BYTES, PREDICATE_TYPES, predicateTypeOf, buildStatement } from './attestation.js';
export { BUNDLE_V03, keyHint, type BundleJson } from './bundle-json.js';
export { digestFile } from './digest-file.js';
export { requestSigningCertificate } from './fulcio.js';
export { createLogEntry, type TlogEntryJson } from './rekor.js';
