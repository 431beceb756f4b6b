import type { KeyObject } from 'node:crypto';
import {
  SigilError, decodeBase64, decodePem, defaultHash, describePublicKey, importSpki, isBase64, spkiShape, verifyMessageSignature,
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

/** Re-exported for the CA's callers; the fast DER → KeyObject path lives in core. */
export { importSpki };

function describeSpki(der: Buffer, message: 'invalidPublicKey' | 'invalidCSR', code: 'ERR_CA_PUBLIC_KEY' | 'ERR_CA_CSR'): PublicKeyInfo {
  let key: KeyObject;
  try {
    key = importSpki(der);
  } catch (cause) {
    throw rejected(code, message, 'not a valid PKIX SubjectPublicKeyInfo (or a point not on its curve)', cause);
  }
  // A recognized shape is already the key's one DER encoding: no need to export it again.
  const common = spkiShape(der);
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
