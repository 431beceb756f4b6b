import { DIGEST_LENGTH, sha256, verifyDigestSignature, type HashAlgorithm } from '@sigil/core';
import { LIMITS, compileSchema, constant, decodeBase64Field, fail, guarded, invalid, obj, oneOf, str, uniqueKeys } from './common.js';
import type { AdmittedEntry, EntryKind } from './kind.js';
import { parseVerifierKey } from './verifier-key.js';

/**
 * hashedrekord v0.0.1 (Rekor pkg/types/hashedrekord/v0.0.1): a signature over an
 * artifact's digest, with the public key or certificate that made it. The proposal and
 * the canonical leaf have the same shape; the leaf re-encodes the key as canonical PEM.
 */
export const KIND = 'hashedrekord';
export const API_VERSION = '0.0.1';

const ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const satisfies readonly HashAlgorithm[];

interface Proposal {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  spec: {
    data: { hash: { algorithm: HashAlgorithm; value: string } };
    signature: { content: string; publicKey: { content: string } };
  };
}

const checkProposal = compileSchema<Proposal>(
  obj({
    apiVersion: constant(API_VERSION),
    kind: constant(KIND),
    spec: obj({
      data: obj({ hash: obj({ algorithm: oneOf(ALGORITHMS), value: str(DIGEST_LENGTH.sha512 * 2) }) }),
      signature: obj({
        content: str(LIMITS.signatureBase64),
        publicKey: obj({ content: str(LIMITS.publicKeyBase64) }),
      }),
    }),
  }),
);

/** The digest as bytes: lowercase hex of exactly the algorithm's length. */
function decodeDigest(algorithm: HashAlgorithm, value: string, field: string): Buffer {
  if (!/^[0-9a-fA-F]*$/.test(value)) throw fail('ERR_ENCODING', `${field} is not hex`);
  if (/[A-F]/.test(value)) throw fail('ERR_ENCODING', `${field} must be lowercase hex`);
  const want = DIGEST_LENGTH[algorithm] * 2;
  if (value.length !== want) throw invalid(`${field} must be ${want} hex characters for ${algorithm}, got ${value.length}`);
  return Buffer.from(value, 'hex');
}

function admit(proposed: unknown): AdmittedEntry {
  return guarded('hashedrekord entry', () => {
    const { spec } = checkProposal(proposed);
    const { algorithm, value } = spec.data.hash;
    const digest = decodeDigest(algorithm, value, 'spec.data.hash.value');
    const signature = decodeBase64Field(spec.signature.content, 'spec.signature.content');
    const keyField = 'spec.signature.publicKey.content';
    const keyBytes = decodeBase64Field(spec.signature.publicKey.content, keyField);
    const key = parseVerifierKey(keyBytes, keyField);

    if (key.info.details === 'PKIX_ED25519' && algorithm !== 'sha512') {
      throw invalid(
        `spec.data.hash.algorithm is ${algorithm} but ${keyField} is an Ed25519 key: hashedrekord verifies Ed25519 as Ed25519ph, which signs a sha512 digest`,
      );
    }
    if (!verifyDigestSignature(key.info, algorithm, digest, signature)) {
      throw fail('ERR_ENTRY_SIGNATURE', `spec.signature.content does not verify over the ${algorithm} digest in spec.data.hash.value with ${keyField}`);
    }

    const canonicalPem = Buffer.from(key.canonicalPem, 'latin1');
    const canonical = canonicalLeaf(algorithm, value, signature, canonicalPem);
    // Key hash: of the bytes as submitted (PROTOCOLS §1.6) and of the canonical PEM, which
    // is what Rekor ends up indexing (Canonicalize runs first) and what a publicKey search
    // hashes; the two are one key whenever the submitted PEM is already canonical.
    const indexKeys = uniqueKeys([
      sha256(keyBytes).toString('hex'),
      sha256(canonicalPem).toString('hex'),
      ...key.subjects,
      `${algorithm}:${value}`,
    ]);
    return { kind: KIND, apiVersion: API_VERSION, canonical, indexKeys };
  });
}

/**
 * JCS of the leaf, written out directly: the shape is fixed and its keys are already in JCS
 * order, the algorithm is one of three names, the digest is checked lowercase hex, and
 * base64 needs no escaping, so this equals canonicalJsonBytes of the object (a test holds it
 * to that) without walking it: the generic walk costs ~6 µs and ~5 KB of garbage per entry.
 */
export function canonicalLeaf(algorithm: HashAlgorithm, value: string, signature: Buffer, canonicalPem: Buffer): Buffer {
  if (!ALGORITHMS.includes(algorithm) || !/^[0-9a-f]*$/.test(value)) throw new RangeError('hashedrekord leaf fields out of range');
  return Buffer.from(
    `{"apiVersion":"${API_VERSION}","kind":"${KIND}","spec":{"data":{"hash":{"algorithm":"${algorithm}","value":"${value}"}},` +
      `"signature":{"content":"${signature.toString('base64')}","publicKey":{"content":"${canonicalPem.toString('base64')}"}}}}`,
  );
}

export const hashedRekordV001: EntryKind = { kind: KIND, apiVersion: API_VERSION, admit };
