import type { KeyObject } from 'node:crypto';
import { verifyArtifact, type Artifact, type Statement } from './artifact.js';
import { parseBundle, type Bundle } from './bundle.js';
import { checkBundleChain, parseLeaf, verifyCertificatePath } from './certificate.js';
import { as, fail } from './fail.js';
import { checkPolicyShape, verifyIdentity, type Identity, type Policy } from './policy.js';
import { claimedTimestampTime } from './rfc3161.js';
import { verifyScts } from './sct.js';
import { verifySignature } from './signature.js';
import { verifyTimestamps } from './timestamp.js';
import { verifyTlogBody, type Signer } from './tlog-body.js';
import { verifyTlogInclusion } from './tlog-inclusion.js';
import { verifyTlogSet } from './tlog-set.js';
import type { TrustMaterial } from './trusted-root.js';
import type { Certificate } from './x509.js';

/**
 * Offline verification of a Sigstore bundle. The checks run in this order and each
 * failure throws a SigilError naming the check:
 *
 *   ERR_VERIFY_BUNDLE → ERR_VERIFY_POLICY (policy shape only) → ERR_VERIFY_CERTIFICATE →
 *   ERR_VERIFY_SCT → ERR_VERIFY_TLOG_BODY → ERR_VERIFY_TLOG_SET → ERR_VERIFY_TLOG_INCLUSION →
 *   ERR_VERIFY_TIMESTAMP → ERR_VERIFY_POLICY → ERR_VERIFY_ARTIFACT → ERR_VERIFY_SIGNATURE
 *
 * The certificate chain is checked at the times the bundle claims (SET integratedTime,
 * RFC 3161 genTime); those times are then verified in the TIMESTAMP step, which also
 * checks them against the leaf's validity. Nothing unchecked is accepted.
 */
export interface VerifyInput {
  /** Bundle JSON text or bytes, a parsed JSON value, or a `parseBundle` result. */
  bundle: unknown;
  artifact?: Artifact;
  trust: TrustMaterial;
  policy: Policy;
  /** Defaults to the current time. */
  now?: Date;
}

export interface VerifiedTlogEntry {
  logIndex: number;
  /** Base64 log ID. */
  logId: string;
  kind: string;
  version: string;
  integratedTime?: Date;
  setVerified: boolean;
  inclusionVerified: boolean;
}

export interface VerifiedResult {
  signer: {
    identity?: Identity;
    keyHint?: string;
    /** DER of the signing certificate (keyless). */
    certificate?: Buffer;
  };
  timestamps: Date[];
  tlog: VerifiedTlogEntry[];
  /** The in-toto statement of a DSSE bundle. */
  statement?: Statement;
  bundle: Bundle;
}

const PARSED = new WeakSet<object>();

/** Parse once (e.g. outside a hot loop); the result is accepted by `verifyBundle` as is. */
export function prepareBundle(input: unknown): Bundle {
  const b = parseBundle(input);
  PARSED.add(b);
  return b;
}

export function verifyBundle(input: VerifyInput): VerifiedResult {
  const { trust, policy } = input;
  const now = (input.now ?? new Date()).getTime();

  // 1. Bundle schema and media type.
  const bundle = typeof input.bundle === 'object' && input.bundle !== null && PARSED.has(input.bundle) ? (input.bundle as Bundle) : parseBundle(input.bundle);
  const tlogThreshold = Math.max(1, policy.tlogThreshold ?? 1);
  if (bundle.tlogEntries.length < tlogThreshold) {
    fail('ERR_VERIFY_BUNDLE', bundle.tlogEntries.length === 0 ? 'bundle has no transparency log entry' : `expected ${tlogThreshold} transparency log entries, got ${bundle.tlogEntries.length}`);
  }
  const ids = new Set<string>();
  for (const e of bundle.tlogEntries) {
    const id = `${e.logId.toString('hex')}/${e.logIndex}`;
    if (ids.has(id)) fail('ERR_VERIFY_BUNDLE', `duplicate transparency log entry ${id}`);
    ids.add(id);
  }
  const material = bundle.material;
  const keyless = material.kind !== 'publicKey';
  checkPolicyShape(policy, keyless);
  const signature = bundle.content.signature;

  // Times the bundle claims; the certificate chain must be valid at all of them.
  const tsaClaims = bundle.rfc3161Timestamps.map(claimedTimestampTime).filter((t): t is number => t !== undefined);
  const claimed = [...bundle.tlogEntries.filter((e) => e.inclusionPromise && e.integratedTime > 0).map((e) => e.integratedTime * 1000), ...tsaClaims];

  // 2–3. Signing certificate and SCTs (or the managed key).
  let leaf: Certificate | undefined;
  let signer: Signer;
  let key: KeyObject;
  if (material.kind === 'publicKey') {
    key = policy.publicKey!;
    signer = { spki: as('ERR_VERIFY_POLICY', 'public key', () => key.export({ type: 'spki', format: 'der' })) };
  } else {
    const der = material.kind === 'certificate' ? material.certificate : material.certificates[0]!;
    leaf = parseLeaf(der);
    if (material.kind === 'x509CertificateChain') checkBundleChain(material.certificates.slice(1), trust, policy.strictBundleChain === true);
    const path = verifyCertificatePath(leaf, trust, claimed);
    const ctThreshold = policy.ctlogThreshold ?? (trust.ctlogs.length > 0 ? 1 : 0);
    verifyScts(leaf, path.issuer, trust.ctlogs, ctThreshold);
    key = leaf.publicKey();
    signer = { certificate: leaf.der, spki: leaf.spki };
  }

  // 4–6. Transparency log entries: body match, then SET, then inclusion proof.
  for (const e of bundle.tlogEntries) verifyTlogBody(e, bundle.content, signer);
  for (const e of bundle.tlogEntries) if (e.inclusionPromise) verifyTlogSet(e, trust.tlogs);
  for (const e of bundle.tlogEntries) {
    if (e.inclusionProof) verifyTlogInclusion(e, trust.tlogs, e.inclusionPromise ? [e.integratedTime * 1000] : tsaClaims);
  }

  // 7. Trusted time.
  const times = verifyTimestamps(bundle, signature, trust, leaf, now, Math.max(1, policy.timestampThreshold ?? 1));

  // 8. Identity policy.
  const identity = leaf ? verifyIdentity(leaf, policy) : undefined;

  // 9–10. Artifact and signature.
  const statement = verifyArtifact(bundle.content, input.artifact);
  verifySignature(bundle.content, input.artifact!, key);

  return {
    signer: leaf ? { identity, certificate: leaf.der } : { keyHint: material.kind === 'publicKey' ? material.hint : undefined },
    timestamps: times.map((t) => new Date(t.time)),
    tlog: bundle.tlogEntries.map((e) => ({
      logIndex: e.logIndex,
      logId: e.logId.toString('base64'),
      kind: e.kind,
      version: e.version,
      integratedTime: e.inclusionPromise ? new Date(e.integratedTime * 1000) : undefined,
      setVerified: e.inclusionPromise !== undefined,
      inclusionVerified: e.inclusionProof !== undefined,
    })),
    statement,
    bundle,
  };
}

/**
 * A verifier bound to one trust material and policy, for callers (and benchmarks) that
 * verify many bundles: `verify(bundleJson, artifact)` parses and verifies each call.
 */
export function createVerifier(trust: TrustMaterial, policy: Policy): (bundle: unknown, artifact: Artifact, now?: Date) => VerifiedResult {
  return (bundle, artifact, now) => verifyBundle({ bundle, artifact, trust, policy, now });
}
