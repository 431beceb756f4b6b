import { fail } from './fail.js';
import { Fields, readJson, type Json } from './json-fields.js';

/**
 * Sigstore bundle (protobuf-specs `Bundle`, proto3 JSON) → a typed, validated structure.
 * Checks per media type: v0.1 needs an inclusion promise on every entry; v0.2+ needs an
 * inclusion proof with a checkpoint; v0.3 carries a single `certificate` (or a key hint),
 * never a chain. Every `bytes` field is strict base64, every `int64` a non-negative
 * decimal. Sizes are capped (RS-57). Failures raise ERR_VERIFY_BUNDLE.
 */
export const BUNDLE_LIMITS = {
  bytes: 16 * 1024 * 1024,
  tlogEntries: 32,
  timestamps: 32,
  chainCertificates: 10,
  proofHashes: 64,
  checkpointBytes: 64 * 1024,
  dsseSignatures: 1,
} as const;

export type BundleVersion = '0.1' | '0.2' | '0.3';
export type HashName = 'sha256' | 'sha384' | 'sha512';

export interface TlogEntry {
  logIndex: number;
  logId: Buffer;
  kind: string;
  version: string;
  /** Seconds; 0 when absent (Rekor v2). */
  integratedTime: number;
  inclusionPromise?: { signedEntryTimestamp: Buffer };
  inclusionProof?: { logIndex: number; rootHash: Buffer; treeSize: number; hashes: Buffer[]; checkpoint: string };
  canonicalizedBody: Buffer;
}

export type SigningMaterial =
  | { kind: 'x509CertificateChain'; certificates: Buffer[] }
  | { kind: 'certificate'; certificate: Buffer }
  | { kind: 'publicKey'; hint: string };

export type BundleContent =
  | { kind: 'messageSignature'; digestAlgorithm: HashName; digest: Buffer; signature: Buffer }
  | { kind: 'dsseEnvelope'; payload: Buffer; payloadType: string; signature: Buffer; keyid: string };

export interface Bundle {
  mediaType: string;
  version: BundleVersion;
  material: SigningMaterial;
  tlogEntries: TlogEntry[];
  rfc3161Timestamps: Buffer[];
  content: BundleContent;
}

const MEDIA_TYPES: Record<string, BundleVersion> = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': '0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2': '0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3': '0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json': '0.3',
};

const HASHES: Record<string, HashName> = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' };

const F = new Fields('ERR_VERIFY_BUNDLE');

/** Parse and validate a bundle given as JSON text, bytes, or an already-parsed JSON value. */
export function parseBundle(input: unknown): Bundle {
  const root = F.object(readJson(input, 'ERR_VERIFY_BUNDLE', 'bundle', BUNDLE_LIMITS.bytes), 'bundle');
  const mediaType = F.string(root.mediaType, 'mediaType');
  const version = MEDIA_TYPES[mediaType];
  if (version === undefined) return fail('ERR_VERIFY_BUNDLE', `unsupported bundle media type ${JSON.stringify(mediaType.slice(0, 100))}`);

  const vm = F.object(root.verificationMaterial, 'verificationMaterial');
  const material = readMaterial(vm, version);
  const tlogEntries = F.array(vm.tlogEntries, 'verificationMaterial.tlogEntries', BUNDLE_LIMITS.tlogEntries).map((e, i) =>
    readEntry(e, `verificationMaterial.tlogEntries[${i}]`, version),
  );
  const tvd = F.optObject(vm.timestampVerificationData, 'verificationMaterial.timestampVerificationData');
  const rfc3161Timestamps = F.optArray(tvd?.rfc3161Timestamps, 'timestampVerificationData.rfc3161Timestamps', BUNDLE_LIMITS.timestamps).map(
    (t, i) => {
      const path = `timestampVerificationData.rfc3161Timestamps[${i}]`;
      return F.bytes(F.object(t, path).signedTimestamp, `${path}.signedTimestamp`);
    },
  );
  return { mediaType, version, material, tlogEntries, rfc3161Timestamps, content: readContent(root) };
}

function readMaterial(vm: Json, version: BundleVersion): SigningMaterial {
  const present = ['x509CertificateChain', 'certificate', 'publicKey'].filter((k) => vm[k] !== undefined && vm[k] !== null);
  if (present.length !== 1) {
    return fail('ERR_VERIFY_BUNDLE', `verificationMaterial must hold exactly one of x509CertificateChain, certificate, publicKey (found ${present.length})`);
  }
  const which = present[0]!;
  if (which === 'x509CertificateChain') {
    if (version === '0.3') return fail('ERR_VERIFY_BUNDLE', 'a v0.3 bundle must carry a single certificate, not x509CertificateChain');
    const chain = F.object(vm.x509CertificateChain, 'x509CertificateChain');
    const certs = F.array(chain.certificates, 'x509CertificateChain.certificates', BUNDLE_LIMITS.chainCertificates);
    if (certs.length === 0) return fail('ERR_VERIFY_BUNDLE', 'x509CertificateChain has no certificates');
    const certificates = certs.map((c, i) => F.bytes(F.object(c, `certificates[${i}]`).rawBytes, `x509CertificateChain.certificates[${i}].rawBytes`));
    return { kind: 'x509CertificateChain', certificates };
  }
  if (which === 'certificate') {
    if (version !== '0.3') return fail('ERR_VERIFY_BUNDLE', `verificationMaterial.certificate needs a v0.3 bundle (this is v${version})`);
    return { kind: 'certificate', certificate: F.bytes(F.object(vm.certificate, 'certificate').rawBytes, 'certificate.rawBytes') };
  }
  const pk = F.object(vm.publicKey, 'publicKey');
  return { kind: 'publicKey', hint: pk.hint === undefined ? '' : F.string(pk.hint, 'publicKey.hint') };
}

function readEntry(v: unknown, path: string, version: BundleVersion): TlogEntry {
  const e = F.object(v, path);
  const kv = F.object(e.kindVersion, `${path}.kindVersion`);
  const entry: TlogEntry = {
    logIndex: F.int64(e.logIndex, `${path}.logIndex`),
    logId: F.bytes(F.object(e.logId, `${path}.logId`).keyId, `${path}.logId.keyId`),
    kind: F.nonEmptyString(kv.kind, `${path}.kindVersion.kind`),
    version: F.nonEmptyString(kv.version, `${path}.kindVersion.version`),
    integratedTime: F.int64(e.integratedTime, `${path}.integratedTime`),
    canonicalizedBody: F.bytes(e.canonicalizedBody, `${path}.canonicalizedBody`),
  };
  const promise = F.optObject(e.inclusionPromise, `${path}.inclusionPromise`);
  if (promise) entry.inclusionPromise = { signedEntryTimestamp: F.bytes(promise.signedEntryTimestamp, `${path}.inclusionPromise.signedEntryTimestamp`) };
  const proof = F.optObject(e.inclusionProof, `${path}.inclusionProof`);
  if (proof) {
    const p = `${path}.inclusionProof`;
    const cp = F.optObject(proof.checkpoint, `${p}.checkpoint`);
    // A proof is only worth something against a signed checkpoint; without one it cannot be checked.
    if (!cp) return fail('ERR_VERIFY_BUNDLE', `${p} has no checkpoint`);
    const envelope = F.nonEmptyString(cp.envelope, `${p}.checkpoint.envelope`);
    if (envelope.length > BUNDLE_LIMITS.checkpointBytes) return fail('ERR_VERIFY_BUNDLE', `${p}.checkpoint is too large`);
    entry.inclusionProof = {
      logIndex: F.int64(proof.logIndex, `${p}.logIndex`),
      rootHash: F.bytes(proof.rootHash, `${p}.rootHash`),
      treeSize: F.int64(proof.treeSize, `${p}.treeSize`),
      hashes: F.optArray(proof.hashes, `${p}.hashes`, BUNDLE_LIMITS.proofHashes).map((h, i) => F.bytes(h, `${p}.hashes[${i}]`)),
      checkpoint: envelope,
    };
  }
  if (version === '0.1' && !entry.inclusionPromise) return fail('ERR_VERIFY_BUNDLE', `${path} has no inclusionPromise (required by bundle v0.1)`);
  if (version !== '0.1' && !entry.inclusionProof) return fail('ERR_VERIFY_BUNDLE', `${path} has no inclusionProof (required by bundle v${version})`);
  return entry;
}

function readContent(root: Json): BundleContent {
  const hasMsg = root.messageSignature !== undefined && root.messageSignature !== null;
  const hasDsse = root.dsseEnvelope !== undefined && root.dsseEnvelope !== null;
  if (hasMsg === hasDsse) return fail('ERR_VERIFY_BUNDLE', 'bundle must hold exactly one of messageSignature, dsseEnvelope');
  if (hasMsg) {
    const ms = F.object(root.messageSignature, 'messageSignature');
    const md = F.object(ms.messageDigest, 'messageSignature.messageDigest');
    const alg = F.string(md.algorithm, 'messageSignature.messageDigest.algorithm');
    const digestAlgorithm = HASHES[alg];
    if (!digestAlgorithm) return fail('ERR_VERIFY_BUNDLE', `unsupported message digest algorithm ${JSON.stringify(alg.slice(0, 40))}`);
    const digest = F.bytes(md.digest, 'messageSignature.messageDigest.digest');
    const expected = { sha256: 32, sha384: 48, sha512: 64 }[digestAlgorithm];
    if (digest.length !== expected) return fail('ERR_VERIFY_BUNDLE', `message digest is ${digest.length} bytes; ${alg} needs ${expected}`);
    return { kind: 'messageSignature', digestAlgorithm, digest, signature: F.bytes(ms.signature, 'messageSignature.signature') };
  }
  const env = F.object(root.dsseEnvelope, 'dsseEnvelope');
  const sigs = F.array(env.signatures, 'dsseEnvelope.signatures', 16);
  if (sigs.length !== BUNDLE_LIMITS.dsseSignatures) return fail('ERR_VERIFY_BUNDLE', `DSSE envelope must have exactly one signature (has ${sigs.length})`);
  const s = F.object(sigs[0], 'dsseEnvelope.signatures[0]');
  return {
    kind: 'dsseEnvelope',
    payload: F.bytes(env.payload, 'dsseEnvelope.payload'),
    payloadType: F.nonEmptyString(env.payloadType, 'dsseEnvelope.payloadType'),
    signature: F.bytes(s.sig, 'dsseEnvelope.signatures[0].sig'),
    keyid: s.keyid === undefined || s.keyid === null ? '' : F.string(s.keyid, 'dsseEnvelope.signatures[0].keyid'),
  };
}
