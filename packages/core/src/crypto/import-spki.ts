import { createPublicKey, type KeyObject } from 'node:crypto';

/** The exact DER SubjectPublicKeyInfo of a P-256 key (named curve, uncompressed point) up to the point: 26 bytes, then 04 ‖ X ‖ Y. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
/** The exact DER SubjectPublicKeyInfo of an Ed25519 key up to its 32 bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The key types whose SPKI we recognize byte for byte (each is the only DER encoding of such a key). */
export function spkiShape(der: Uint8Array): 'PKIX_ECDSA_P256_SHA_256' | 'PKIX_ED25519' | undefined {
  const b = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  if (b.length === 91 && b[26] === 0x04 && b.subarray(0, 26).equals(P256_SPKI_PREFIX)) return 'PKIX_ECDSA_P256_SHA_256';
  if (b.length === 44 && b.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) return 'PKIX_ED25519';
  return undefined;
}

/**
 * `createPublicKey` of a DER SPKI. OpenSSL 3.0's DER decoder costs ~100 µs a key and
 * scales badly across threads; the two shapes nearly every Sigstore key has (P-256,
 * named curve and uncompressed, and Ed25519) are imported through JWK instead, which
 * checks the same things (the point is in range and on the curve) in about half the
 * time. Anything else takes the decoder.
 */
export function importSpki(der: Uint8Array): KeyObject {
  const b = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  switch (spkiShape(b)) {
    case 'PKIX_ECDSA_P256_SHA_256':
      return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b.subarray(27, 59).toString('base64url'), y: b.subarray(59, 91).toString('base64url') }, format: 'jwk' });
    case 'PKIX_ED25519':
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b.subarray(12).toString('base64url') }, format: 'jwk' });
    default:
      return createPublicKey({ key: b, format: 'der', type: 'spki' });
  }
}
