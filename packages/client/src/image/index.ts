export { signImage, attestImage, resolveSubject, dockerReference, type ImageSignOptions, type ImageAttestInput, type Layout, type SignedImage } from './image-signing.js';
export { verifyImage, verifyImageAttestations, MAX_SIGNATURES, type ImageVerification, type ImageVerifyOptions, type VerifiedImageSignature } from './image-verify.js';
export { attached, download, triangulate, type Attached } from './inspect.js';
export { simpleSigningPayload, signatureTag, SIGN_PREDICATE_TYPE } from './cosign-layout.js';
