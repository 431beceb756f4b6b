import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  SigilError, decodeBase64, decodePem, defaultHash, describePublicKey, isBase64, verifyMessageSignature,
  type HashAlgorithm, type PublicKeyInfo,
} from '@sigil/core';
import { rejected } from './messages.js';
import { x509 } from './x509.js';

/** Keys and CSRs are small; anything bigger is refused before it is parsed. */
export const MAX_KEY_BYTES = 16 * 1024;
export const MAX_CSR_BYTES = 16 * 1024;

/**
 * The submitted public key (`publicKeyRequest.publicKey.content`): a PEM `PUBLIC KEY`,
 * or (as Fulcio also tries) DER, which in a JSON string means base64. Refuses keys
 * outside Sigstore's registry: ECDSA P-256/384/521, Ed25519, RSA 2048/3072/4096.
 */
export function parsePublicKeyContent(content: string | undefined): PublicKeyInfo {
  if (content === undefined || content === '') throw rejected('ERR_CA_PUBLIC_KEY', 'invalidPublicKey', 'public key not provided');
  if (content.length > MAX_KEY_BYTES * 2) throw rejected('ERR_CA_PUBLIC_KEY', 'invalidPublicKey', `public key larger than ${MAX_KEY_BYTES} bytes`);
  let der: Buffer;
  try {
    if (content.includes('-----BEGIN')) der = decodePem(content, ['PUBLIC KEY']).der;
    else if (isBase64(content.trim())) der = decodeBase64(content.trim());
    else throw new Error('not PEM or base64 DER');
  } catch (cause) {
    throw rejected('ERR_CA_PUBLIC_KEY', 'invalidPublicKey', `error parsing PEM or DER encoded public key (${reasonOf(cause)})`, cause);
  }
  return describeSpki(der, 'invalidPublicKey', 'ERR_CA_PUBLIC_KEY');
}

/** The exact DER SubjectPublicKeyInfo of a P-256 key (named curve, uncompressed point) up to the point: 26 bytes, then 04 ‖ X ‖ Y. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
/** The exact DER SubjectPublicKeyInfo of an Ed25519 key up to its 32 bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The key types whose SPKI we recognize byte for byte (each is the only DER encoding of such a key). */
function commonShapeOf(der: Buffer): 'PKIX_ECDSA_P256_SHA_256' | 'PKIX_ED25519' | undefined {
  if (der.length === 91 && der[26] === 0x04 && der.subarray(0, 26).equals(P256_SPKI_PREFIX)) return 'PKIX_ECDSA_P256_SHA_256';
  if (der.length === 44 && der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) return 'PKIX_ED25519';
  return undefined;
}

/**
 * `createPublicKey` of a DER SPKI. OpenSSL 3.0's DER decoder costs ~100 µs a key; the
 * two shapes nearly every Sigstore client sends (P-256, named curve and uncompressed, and
 * Ed25519) are imported through JWK instead, which checks the same things (the point is
 * in range and on the curve) in a fraction of the time. Anything else takes the decoder.
 */
export function importSpki(der: Buffer): KeyObject {
  switch (commonShapeOf(der)) {
    case 'PKIX_ECDSA_P256_SHA_256':
      return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: der.subarray(27, 59).toString('base64url'), y: der.subarray(59, 91).toString('base64url') }, format: 'jwk' });
    case 'PKIX_ED25519':
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: der.subarray(12).toString('base64url') }, format: 'jwk' });
    default:
      return createPublicKey({ key: der, format: 'der', type: 'spki' });
  }
}

function describeSpki(der: Buffer, message: 'invalidPublicKey' | 'invalidCSR', code: 'ERR_CA_PUBLIC_KEY' | 'ERR_CA_CSR'): PublicKeyInfo {
  let key: KeyObject;
  try {
    key = importSpki(der);
  } catch (cause) {
    throw rejected(code, message, 'not a valid PKIX SubjectPublicKeyInfo (or a point not on its curve)', cause);
  }
  // A recognized shape is already the key's one DER encoding: no need to export it again.
  const common = commonShapeOf(der);
  if (common) return { key, spki: der, details: common };
  try {
    return describePublicKey(key);
  } catch (cause) {
    const why = cause instanceof SigilError ? cause.message : 'unsupported key';
    throw rejected('ERR_UNSUPPORTED_KEY', 'insecurePublicKey', `unsupported key: ${why}; accepted are ECDSA P-256/P-384/P-521, Ed25519 and RSA 2048/3072/4096`, cause);
  }
}

/** How the proof of possession must be made with this key (sigstore's default verifier for it). */
export function proofScheme(info: PublicKeyInfo): { hash: HashAlgorithm; text: string } {
  const hash = defaultHash(info.details);
  const h = hash.toUpperCase().replace('SHA', 'SHA-');
  if (info.details === 'PKIX_ED25519') return { hash, text: 'Ed25519' };
  if (info.details.startsWith('PKIX_RSA')) return { hash, text: `RSA PKCS#1 v1.5 with ${h}` };
  return { hash, text: `ECDSA ${info.details.slice(11, 15).replace('P', 'P-')} with ${h}` };
}

/**
 * Check `proofOfPossession` (base64): a signature by the submitted key over the UTF-8
 * bytes of `challenge` (the token's email or subject), ECDSA as ASN.1 DER.
 */
export function verifyProofOfPossession(info: PublicKeyInfo, proofB64: string | undefined, challenge: string, challengeClaim: string): void {
  const scheme = proofScheme(info);
  const expected = `the proof of possession must be a base64 signature by the submitted key over the token's ${challengeClaim} claim (${scheme.text})`;
  if (proofB64 === undefined || proofB64 === '') throw rejected('ERR_CA_PROOF', 'invalidSignature', `proofOfPossession missing: ${expected}`);
  let sig: Buffer;
  try {
    sig = decodeBase64(proofB64);
  } catch (cause) {
    throw rejected('ERR_CA_PROOF', 'invalidSignature', `proofOfPossession is not base64: ${expected}`, cause);
  }
  if (!verifyMessageSignature(info, Buffer.from(challenge, 'utf8'), sig, scheme.hash)) {
    throw rejected('ERR_CA_PROOF', 'invalidSignature', expected);
  }
}

/**
 * `certificateSigningRequest`: base64 (proto `bytes`) of a PEM PKCS#10 request (DER is
 * accepted too). Its self-signature is the proof of possession; only its key is used,
 * and it must be signed with that key's default hash (Fulcio's algorithm registry).
 */
export async function parseCertificateSigningRequest(b64: string): Promise<PublicKeyInfo> {
  if (b64.length > Math.ceil(MAX_CSR_BYTES / 3) * 4) throw rejected('ERR_CA_CSR', 'invalidCSR', `certificate signing request larger than ${MAX_CSR_BYTES} bytes`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    const bytes = decodeBase64(b64, 'certificateSigningRequest');
    const text = bytes.subarray(0, 64).toString('latin1');
    const der = text.includes('-----BEGIN') ? decodePem(bytes.toString('latin1'), ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']).der : bytes;
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch (cause) {
    throw rejected('ERR_CA_CSR', 'invalidCSR', `expected base64 of a PEM PKCS#10 certificate request (${reasonOf(cause)})`, cause);
  }
  const info = describeSpki(Buffer.from(csr.publicKey.rawData), 'invalidCSR', 'ERR_CA_CSR');
  const alg = csr.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  const want = proofScheme(info);
  const got = alg.name === 'Ed25519' ? 'Ed25519' : `${alg.name ?? '?'} with ${alg.hash?.name ?? '?'}`;
  const allowed = info.details === 'PKIX_ED25519'
    ? alg.name === 'Ed25519'
    : alg.hash?.name === want.hash.toUpperCase().replace('SHA', 'SHA-') && alg.name === (info.details.startsWith('PKIX_RSA') ? 'RSASSA-PKCS1-v1_5' : 'ECDSA');
  if (!allowed) throw rejected('ERR_CA_CSR', 'invalidSignature', `signing algorithm not permitted: CSR signed with ${got}; this key must sign with ${want.text}`);
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw rejected('ERR_CA_PROOF', 'invalidSignature', "the CSR's self-signature does not verify with the public key it carries");
  return info;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : 'malformed';
}
