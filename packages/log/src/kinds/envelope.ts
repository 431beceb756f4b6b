import { verifyMessageSignature, type PublicKeyInfo } from '@sigil/core';
import { LIMITS, fail } from './common.js';
import type { VerifierKey } from './verifier-key.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/**
 * DSSE pre-authentication encoding, the exact bytes a DSSE signature covers:
 * `"DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload`, lengths in bytes, decimal.
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'latin1'),
    type,
    Buffer.from(` ${payload.length} `, 'latin1'),
    payload,
  ]);
}

/**
 * Verify a DSSE signature over `message` (the PAE) with the key's natural scheme: ECDSA
 * with the curve's hash (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512), RSA PKCS#1 v1.5
 * with SHA-256, pure Ed25519. Rekor v1 verifies every ECDSA DSSE signature with SHA-256
 * whatever the curve (signature.LoadVerifier(key, crypto.SHA256)), so for P-384/P-521
 * a SHA-256 signature is accepted too, or entries Rekor takes would be refused here.
 */
export function verifyDsseSignature(info: PublicKeyInfo, message: Uint8Array, signature: Uint8Array): boolean {
  switch (info.details) {
    case 'PKIX_ECDSA_P384_SHA_384':
      return verifyMessageSignature(info, message, signature, 'sha384') || verifyMessageSignature(info, message, signature, 'sha256');
    case 'PKIX_ECDSA_P521_SHA_512':
      return verifyMessageSignature(info, message, signature, 'sha512') || verifyMessageSignature(info, message, signature, 'sha256');
    default:
      // P-256 and RSA with SHA-256; Ed25519 ignores the hash (pure EdDSA).
      return verifyMessageSignature(info, message, signature, 'sha256');
  }
}

export interface EnvelopeSignature {
  bytes: Buffer;
  /** Field name for errors, e.g. `spec.proposedContent.envelope.signatures[0].sig`. */
  field: string;
}

export interface EnvelopeVerifier {
  key: VerifierKey;
  field: string;
}

/**
 * Rekor's verifyEnvelope: every signature must be verified by some verifier, and every
 * verifier must verify at least one signature (go-securesystemslib's threshold of 1 per
 * verifier). Returns, for each signature, the index of the first verifier that verifies it.
 */
export function matchSignatures(message: Buffer, signatures: readonly EnvelopeSignature[], verifiers: readonly EnvelopeVerifier[]): number[] {
  const owner: (number | undefined)[] = signatures.map(() => undefined);
  const used = verifiers.map(() => false);
  verifiers.forEach((v, vi) => {
    signatures.forEach((s, si) => {
      if (!verifyDsseSignature(v.key.info, message, s.bytes)) return;
      used[vi] = true;
      if (owner[si] === undefined) owner[si] = vi;
    });
  });
  const result: number[] = [];
  signatures.forEach((s, si) => {
    const o = owner[si];
    if (o === undefined) {
      throw fail('ERR_ENTRY_SIGNATURE', `${s.field} does not verify over the DSSE PAE of the payload with any of the given public keys`);
    }
    result.push(o);
  });
  const unused = used.indexOf(false);
  const idle = verifiers[unused];
  if (idle !== undefined) throw fail('ERR_ENTRY_SIGNATURE', `${idle.field} verifies none of the envelope's signatures`);
  return result;
}

/**
 * Index keys from an in-toto statement: `alg:hex` of every subject digest, and of every
 * SLSA v0.2 `predicate.materials` digest (Rekor indexes both). Payloads that are not
 * in-toto JSON contribute nothing. Bounded: at most LIMITS.inTotoSubjects items are read.
 */
export function inTotoDigestKeys(payloadType: string, payload: Buffer): string[] {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return [];
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    return [];
  }
  if (!isObject(statement)) return [];
  const keys: string[] = [];
  let budget: number = LIMITS.inTotoSubjects;
  const take = (items: unknown): void => {
    if (!Array.isArray(items)) return;
    for (const item of items as unknown[]) {
      if (budget-- <= 0) return;
      if (!isObject(item) || !isObject(item.digest)) continue;
      for (const [alg, value] of Object.entries(item.digest).slice(0, 16)) {
        if (typeof value !== 'string' || alg.length > 32 || value.length > 256 || alg === '' || value === '') continue;
        keys.push(`${alg}:${value}`.toLowerCase());
      }
    }
  };
  take(statement.subject);
  if (isObject(statement.predicate)) take(statement.predicate.materials);
  return keys;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
