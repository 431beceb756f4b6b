import { createHash, type KeyObject } from 'node:crypto';
import { encodePem } from '@sigil/core';
import type { HashName } from '../bundle.js';
import type { TlogEntryJson } from './rekor.js';

/**
 * What `sign-blob` / `attest-blob` write: a Sigstore bundle v0.3 (protobuf-specs JSON),
 * the format cosign's `--bundle` and sigstore-js produce. Keyless bundles carry the leaf
 * certificate only (v0.3 forbids a chain); key-signed ones a hint naming the key.
 */
export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export type VerificationMaterialJson =
  | { certificate: { rawBytes: string }; tlogEntries: TlogEntryJson[]; timestampVerificationData?: { rfc3161Timestamps: { signedTimestamp: string }[] } }
  | { publicKey: { hint: string }; tlogEntries: TlogEntryJson[]; timestampVerificationData?: { rfc3161Timestamps: { signedTimestamp: string }[] } };

export interface DsseEnvelopeJson {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid: string }[];
}

export type BundleJson = {
  mediaType: typeof BUNDLE_V03;
  verificationMaterial: VerificationMaterialJson;
} & (
  | { messageSignature: { messageDigest: { algorithm: string; digest: string }; signature: string } }
  | { dsseEnvelope: DsseEnvelopeJson }
);

const HASH_ENUM: Record<HashName, string> = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' };

/** The signer as the bundle names it: a certificate (keyless) or a managed key. */
export type SignerMaterial = { certificate: Buffer; chain?: Buffer[] } | { publicKey: KeyObject };

export function verificationMaterial(signer: SignerMaterial, tlogEntries: TlogEntryJson[]): VerificationMaterialJson {
  if ('certificate' in signer) return { certificate: { rawBytes: signer.certificate.toString('base64') }, tlogEntries };
  return { publicKey: { hint: keyHint(signer.publicKey) }, tlogEntries };
}

/** base64(SHA-256(SPKI DER)), the hint cosign and sigstore-js write for a managed key. */
export function keyHint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');
}

export function messageSignatureBundle(material: VerificationMaterialJson, alg: HashName, digest: Buffer, signature: Buffer): BundleJson {
  return {
    mediaType: BUNDLE_V03,
    verificationMaterial: material,
    messageSignature: { messageDigest: { algorithm: HASH_ENUM[alg], digest: digest.toString('base64') }, signature: signature.toString('base64') },
  };
}

export function dsseBundle(material: VerificationMaterialJson, envelope: DsseEnvelopeJson): BundleJson {
  return { mediaType: BUNDLE_V03, verificationMaterial: material, dsseEnvelope: envelope };
}

/** The signer's key or certificate as a log entry names it: base64 of its PEM. */
export function pemBase64(signer: SignerMaterial): string {
  const pem = 'certificate' in signer ? encodePem('CERTIFICATE', signer.certificate) : signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return Buffer.from(pem).toString('base64');
}

export function hashedrekordProposal(signer: SignerMaterial, alg: HashName, digest: Buffer, signature: Buffer): unknown {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { signature: { content: signature.toString('base64'), publicKey: { content: pemBase64(signer) } }, data: { hash: { algorithm: alg, value: digest.toString('hex') } } },
  };
}

export function dsseProposal(signer: SignerMaterial, envelope: DsseEnvelopeJson): unknown {
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: [pemBase64(signer)] } } };
}
