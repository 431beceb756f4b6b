export { CertificateAuthority, type CertificateAuthorityOptions, type IssuedChain, type SigningCertificateRequest } from './authority.js';
export {
  addIssuer, addMetaIssuer, challengeClaimOf, defaultIssuerConfig, IssuerRegistry, ISSUER_TYPES, metaIssuerPattern, parseIssuerConfig,
  type CIIssuerMetadata, type IssuerConfig, type IssuerConfigInput, type IssuerType, type MetaIssuer, type OIDCIssuer, type ResolvedIssuer,
} from './config.js';
export { principalFromClaims, GITHUB_REQUIRED_CLAIMS, GITLAB_REQUIRED_CLAIMS, type Claims, type Principal, type SigstoreExtension, type SubjectAlternativeName } from './issuers/index.js';
export { encodeLeaf, issueLeaf, LEAF_VALIDITY_MS } from './certificate.js';
export { TokenVerifier, ALLOWED_ALGORITHMS, MAX_TOKEN_BYTES, type TokenVerifierOptions, type VerifiedToken } from './token.js';
export { parseCertificateSigningRequest, parsePublicKeyContent, verifyProofOfPossession } from './proof-of-possession.js';
export { KeyPairSigner, type CaSigner } from './key-backend/signer.js';
export { ephemeralCaSigner } from './key-backend/ephemeral.js';
export { fileCaSigner, CA_FILES, type FileCaSignerOptions } from './key-backend/file.js';
export type { CaNames } from './key-backend/hierarchy.js';
export { registerCaRoutes, buildCaApp, DEFAULT_CA_BODY_LIMIT, type CaAppOptions } from './http/app.js';
export { caErrorHandler } from './http/errors.js';
export { serveCa, type ServeCaOptions, type RunningCa } from './serve.js';
export { caTrustedRootEntry, type TrustedRootCertificateAuthority } from './trusted-root.js';
export { FULCIO_MESSAGES } from './messages.js';
