import { createHash } from 'node:crypto';
import { SigilError, decodePem, encodePem } from '@sigil/core';
import { parseDigest } from '../oci/digest.js';
import { kindVersionOf, type TlogEntryJson } from '../sign/rekor.js';

/**
 * cosign's tag layout: the signatures of image `sha256:<hex>` live in the image manifest
 * tagged `sha256-<hex>.sig` (attestations: `.att`), one layer per signature. A signature
 * layer is the simple-signing payload (`application/vnd.dev.cosign.simplesigning.v1+json`)
 * or a DSSE envelope (`application/vnd.dsse.envelope.v1+json`), with the signature, the
 * signing certificate and chain, and the Rekor entry ("bundle") as annotations. Every
 * cosign release reads this layout; it is what `cosign sign` writes by default up to v2.
 */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const ANNOTATION = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  predicateType: 'predicateType',
} as const;
export const SIGNATURE_TYPE = 'cosign container image signature';
/** Predicate type of a cosign v3 image signature (a DSSE statement in the referrers layout). */
export const SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
const MAX_PAYLOAD = 1024 * 1024;

export function signatureTag(digest: string, suffix: 'sig' | 'att'): string {
  return `sha256-${sha256Hex(digest)}.${suffix}`;
}

/** The hex of a sha256 image digest: the only algorithm cosign's layouts name images by. */
export function sha256Hex(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  if (algorithm !== 'sha256') throw new SigilError('ERR_BAD_REQUEST', `only sha256 image digests are supported, got ${digest}`);
  return hex;
}

/** The payload `cosign sign` signs: the image digest and where it was signed, in cosign's field order. */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: SIGNATURE_TYPE },
    optional: null,
  }));
}

export interface SimpleSigning {
  dockerReference: string;
  digest: string;
  type: string;
  optional: Record<string, unknown> | null;
}

/**
 * Read a signed payload and check it is about this image: `docker-manifest-digest` must
 * equal the digest verified (a signature for another image, moved under this one, fails
 * here), the type must be cosign's and, when given, `docker-reference` must name the
 * repository being verified.
 */
export function checkSimpleSigning(payload: Buffer, digest: string, dockerReference?: string): SimpleSigning {
  if (payload.length > MAX_PAYLOAD) throw new SigilError('ERR_VERIFY_IMAGE', `signed payload larger than ${MAX_PAYLOAD} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    throw new SigilError('ERR_VERIFY_IMAGE', 'signed payload is not JSON', { cause });
  }
  const critical = (v as { critical?: unknown } | null)?.critical as { identity?: { 'docker-reference'?: unknown }; image?: { 'docker-manifest-digest'?: unknown }; type?: unknown } | undefined;
  const ref = critical?.identity?.['docker-reference'];
  const signed = critical?.image?.['docker-manifest-digest'];
  const type = critical?.type;
  if (typeof ref !== 'string' || typeof signed !== 'string' || typeof type !== 'string') throw new SigilError('ERR_VERIFY_IMAGE', 'signed payload is not a cosign simple-signing payload');
  if (type !== SIGNATURE_TYPE && type !== SIGN_PREDICATE_TYPE) throw new SigilError('ERR_VERIFY_IMAGE', `signed payload has type ${JSON.stringify(type)}, not a container image signature`);
  if (signed !== digest) throw new SigilError('ERR_VERIFY_IMAGE_DIGEST', `the signature is for ${signed}, not for ${digest}`);
  if (dockerReference !== undefined && ref !== dockerReference) {
    throw new SigilError('ERR_VERIFY_IMAGE_REFERENCE', `the signature was made for ${ref}, not for ${dockerReference}`, { hint: 'verifying a copy in another repository: pass --allow-reference-mismatch' });
  }
  const optional = (v as { optional?: unknown }).optional;
  return { dockerReference: ref, digest: signed, type, optional: typeof optional === 'object' ? (optional as Record<string, unknown> | null) : null };
}

/** The Rekor entry as cosign annotates it: the SET and the entry it signs (Rekor's field names). */
export function rekorBundleAnnotation(e: TlogEntryJson): string {
  return JSON.stringify({
    SignedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp,
    Payload: { body: e.canonicalizedBody, integratedTime: Number(e.integratedTime), logIndex: Number(e.logIndex), logID: Buffer.from(e.logId.keyId, 'base64').toString('hex') },
  });
}

export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/**
 * A signature layer as a Sigstore bundle v0.1 (SET, no inclusion proof: what cosign's
 * annotations carry), so that it is verified by exactly the code that verifies bundles.
 * A layer without the Rekor annotation yields a bundle with no log entry, which fails.
 */
export function layerToBundle(layer: LayerDescriptor, blob: Buffer): unknown {
  const a = layer.annotations ?? {};
  const rekor = a[ANNOTATION.bundle];
  const tlogEntries = rekor === undefined ? [] : [tlogEntryOf(rekor)];
  const certPem = a[ANNOTATION.certificate];
  const verificationMaterial = certPem
    ? { x509CertificateChain: { certificates: [{ rawBytes: pemToBase64(certPem) }] }, tlogEntries }
    : { publicKey: { hint: '' }, tlogEntries };
  const mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
  if (layer.mediaType === DSSE_MEDIA_TYPE) {
    let envelope: unknown;
    try {
      envelope = JSON.parse(blob.toString('utf8'));
    } catch (cause) {
      throw new SigilError('ERR_VERIFY_BUNDLE', 'attestation layer is not a DSSE envelope', { cause });
    }
    return { mediaType, verificationMaterial, dsseEnvelope: envelope };
  }
  return {
    mediaType,
    verificationMaterial,
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(blob).digest('base64') }, signature: a[ANNOTATION.signature] ?? '' },
  };
}

function tlogEntryOf(annotation: string): unknown {
  let v: { SignedEntryTimestamp?: unknown; Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown } };
  try {
    v = JSON.parse(annotation) as typeof v;
  } catch (cause) {
    throw new SigilError('ERR_VERIFY_BUNDLE', 'the Rekor bundle annotation is not JSON', { cause });
  }
  const p = v.Payload;
  if (typeof v.SignedEntryTimestamp !== 'string' || typeof p?.body !== 'string' || typeof p.integratedTime !== 'number' || typeof p.logIndex !== 'number' || typeof p.logID !== 'string' || !/^[0-9a-f]{64}$/.test(p.logID)) {
    throw new SigilError('ERR_VERIFY_BUNDLE', 'the Rekor bundle annotation is malformed');
  }
  const kindVersion = kindVersionOf(p.body);
  if (!kindVersion) throw new SigilError('ERR_VERIFY_BUNDLE', 'the Rekor entry body is not base64 JSON with a kind and apiVersion');
  return {
    logIndex: String(p.logIndex),
    logId: { keyId: Buffer.from(p.logID, 'hex').toString('base64') },
    kindVersion,
    integratedTime: String(p.integratedTime),
    inclusionPromise: { signedEntryTimestamp: v.SignedEntryTimestamp },
    canonicalizedBody: p.body,
  };
}

function pemToBase64(pem: string): string {
  try {
    return decodePem(pem, ['CERTIFICATE']).der.toString('base64');
  } catch (cause) {
    throw new SigilError('ERR_VERIFY_BUNDLE', 'the certificate annotation is not one PEM certificate', { cause });
  }
}

export function derToPem(der: Buffer): string {
  return encodePem('CERTIFICATE', der);
}

/** cosign's fixed config blob of a signature image: no platform, one diff ID per layer. */
export function signatureConfig(layerDigests: string[]): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: '', created: '0001-01-01T00:00:00Z', history: layerDigests.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '',
    rootfs: { type: 'layers', diff_ids: layerDigests }, config: {},
  }));
}
