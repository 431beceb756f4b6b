import { SigilError, isSigilError } from '@sigil/core';
import type { Artifact } from '../artifact.js';
import { isIndex, type Descriptor } from '../oci/manifest.js';
import { parseReference, type Repository } from '../oci/reference.js';
import type { RegistryClient } from '../oci/registry.js';
import type { Policy } from '../policy.js';
import type { TrustMaterial } from '../trusted-root.js';
import { prepareBundle, verifyBundle, type VerifiedResult } from '../verify.js';
import { BUNDLE_ARTIFACT_TYPE, listReferrers, manifestIfAny } from './attach.js';
import { DSSE_MEDIA_TYPE, SIGN_PREDICATE_TYPE, SIMPLE_SIGNING_MEDIA_TYPE, checkSimpleSigning, layerToBundle, signatureTag, type LayerDescriptor, type SimpleSigning } from './cosign-layout.js';
import { dockerReference, hexDigest } from './image-signing.js';

/**
 * `sigil verify IMAGE` / `sigil verify-attestation IMAGE`: the reference is resolved to a
 * digest once (bytes hashed here), then every signature found in either layout is checked
 * against that digest with the same verifier as blobs: cosign's `.sig`/`.att` layers
 * (payload must name this digest; layer bytes must match their descriptor) and bundle
 * referrers (statement subject must be this digest). The image verifies when at least one
 * signature passes every check; otherwise the first failure is raised with its code.
 */
export interface ImageVerifyOptions {
  registry: RegistryClient;
  trust: TrustMaterial;
  policy: Policy;
  now?: Date;
  /** Accept a signature made for the same digest in another repository (a mirror or copy). */
  allowReferenceMismatch?: boolean;
}

export interface VerifiedImageSignature {
  layout: 'tag' | 'referrers';
  /** The `.sig`/`.att` tag and layer digest, or the referrer manifest's digest. */
  location: string;
  result: VerifiedResult;
  payload?: SimpleSigning;
  predicateType?: string;
}

export interface ImageVerification {
  repo: Repository;
  digest: string;
  verified: VerifiedImageSignature[];
  failures: { location: string; code: string; message: string }[];
}

/** Signature layers and referrers beyond these are refused (RS-68); cosign's own cap is 1000 layers. */
export const MAX_SIGNATURES = 1000;
const MAX_PAYLOAD = 1024 * 1024;
const MAX_BUNDLE = 16 * 1024 * 1024;
const LOAD_AHEAD = 8;

interface Candidate {
  layout: 'tag' | 'referrers';
  location: string;
  load: () => Promise<{ bundle: unknown; artifact: Artifact; check?: (r: VerifiedResult) => Partial<VerifiedImageSignature> }>;
}

export async function verifyImage(ref: string, opts: ImageVerifyOptions): Promise<ImageVerification> {
  return run(ref, opts, 'signature');
}

export async function verifyImageAttestations(ref: string, opts: ImageVerifyOptions & { predicateType?: string }): Promise<ImageVerification> {
  return run(ref, opts, 'attestation', opts.predicateType);
}

async function run(ref: string, opts: ImageVerifyOptions, want: 'signature' | 'attestation', predicateType?: string): Promise<ImageVerification> {
  const r = parseReference(ref);
  const repo: Repository = { registry: r.registry, repository: r.repository };
  const got = await opts.registry.getManifest(r);
  const digest = got.digest;
  const candidates = [...(await tagCandidates(opts.registry, repo, digest, want, opts.allowReferenceMismatch ? undefined : dockerReference(repo))), ...(await referrerCandidates(opts.registry, repo, digest, want))];
  if (candidates.length === 0) {
    throw new SigilError('ERR_VERIFY_NO_SIGNATURES', `no ${want}s found for ${digest} (looked for ${signatureTag(digest, want === 'signature' ? 'sig' : 'att')} and OCI referrers)`);
  }
  if (candidates.length > MAX_SIGNATURES) throw new SigilError('ERR_OCI_LIMIT', `more than ${MAX_SIGNATURES} ${want}s attached to ${digest}`);
  const out: ImageVerification = { repo, digest, verified: [], failures: [] };
  let first: unknown;
  // Fetch signatures a few at a time (registry round trips dominate); verify in order.
  const loads = new Map<Candidate, ReturnType<Candidate['load']>>();
  const load = (i: number): void => {
    const c = candidates[i];
    if (c && !loads.has(c)) {
      const p = c.load();
      p.catch(() => undefined);
      loads.set(c, p);
    }
  };
  for (let i = 0; i < LOAD_AHEAD; i++) load(i);
  for (const [i, c] of candidates.entries()) {
    load(i + LOAD_AHEAD);
    try {
      const { bundle, artifact, check } = await loads.get(c)!;
      const result = verifyBundle({ bundle: prepareBundle(bundle), artifact, trust: opts.trust, policy: opts.policy, now: opts.now });
      const extra = check?.(result) ?? {};
      if (want === 'attestation' && predicateType !== undefined && result.statement?.predicateType !== predicateType) {
        throw new SigilError('ERR_VERIFY_POLICY', `attestation predicate type is ${JSON.stringify(result.statement?.predicateType ?? null)}, not ${JSON.stringify(predicateType)}`);
      }
      out.verified.push({ layout: c.layout, location: c.location, result, ...(result.statement ? { predicateType: result.statement.predicateType } : {}), ...extra });
    } catch (err) {
      first ??= err;
      out.failures.push({ location: c.location, code: isSigilError(err) ? err.code : 'ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (out.verified.length === 0) throw first;
  return out;
}

async function tagCandidates(registry: RegistryClient, repo: Repository, digest: string, want: 'signature' | 'attestation', expectedReference: string | undefined): Promise<Candidate[]> {
  const tag = signatureTag(digest, want === 'signature' ? 'sig' : 'att');
  const sig = await manifestIfAny(registry, { ...repo, tag });
  if (!sig) return [];
  if (isIndex(sig.manifest)) throw new SigilError('ERR_VERIFY_IMAGE', `${tag} is an index, not a cosign signature image`);
  const mediaType = want === 'signature' ? SIMPLE_SIGNING_MEDIA_TYPE : DSSE_MEDIA_TYPE;
  return sig.manifest.layers.filter((l) => l.mediaType === mediaType).map((l): Candidate => ({
    layout: 'tag',
    location: `${tag}@${l.digest}`,
    load: async () => {
      const blob = await registry.getBlob(repo, l.digest, { maxBytes: MAX_PAYLOAD, size: l.size });
      const layer: LayerDescriptor = { mediaType: l.mediaType, digest: l.digest, size: l.size, ...(l.annotations ? { annotations: { ...l.annotations } } : {}) };
      if (want === 'signature') {
        const payload = checkSimpleSigning(blob, digest, expectedReference);
        return { bundle: layerToBundle(layer, blob), artifact: blob, check: () => ({ payload }) };
      }
      return { bundle: layerToBundle(layer, blob), artifact: { digest: hexDigest(digest), algorithm: 'sha256' } };
    },
  }));
}

async function referrerCandidates(registry: RegistryClient, repo: Repository, digest: string, want: 'signature' | 'attestation'): Promise<Candidate[]> {
  let referrers: Descriptor[];
  try {
    referrers = await listReferrers(registry, repo, digest);
  } catch (err) {
    if (isSigilError(err) && err.code === 'ERR_OCI_LIMIT') throw err;
    return [];
  }
  const bundles = referrers.filter((d) => d.artifactType === BUNDLE_ARTIFACT_TYPE || d.artifactType?.startsWith('application/vnd.dev.sigstore.bundle'));
  const isSignature = (d: Descriptor): boolean => {
    const content = d.annotations?.['dev.sigstore.bundle.content'];
    const type = d.annotations?.['dev.sigstore.bundle.predicateType'];
    return content === 'message-signature' || type === SIGN_PREDICATE_TYPE;
  };
  // Without annotations a referrer is a candidate for both; its content decides below.
  const chosen = bundles.filter((d) => (d.annotations?.['dev.sigstore.bundle.content'] === undefined ? true : (want === 'signature') === isSignature(d)));
  return chosen.map((d): Candidate => ({
    layout: 'referrers',
    location: d.digest,
    load: async () => {
      const m = await registry.getManifest({ ...repo, digest: d.digest });
      if (isIndex(m.manifest)) throw new SigilError('ERR_VERIFY_IMAGE', `referrer ${d.digest} is not an image manifest`);
      if (m.manifest.subject?.digest !== digest) throw new SigilError('ERR_VERIFY_IMAGE_DIGEST', `referrer ${d.digest} is about ${m.manifest.subject?.digest ?? 'nothing'}, not ${digest}`);
      const layer = m.manifest.layers[0];
      if (!layer || m.manifest.layers.length !== 1) throw new SigilError('ERR_VERIFY_IMAGE', `referrer ${d.digest} must hold exactly one bundle layer`);
      const bundle = JSON.parse((await registry.getBlob(repo, layer.digest, { maxBytes: MAX_BUNDLE, size: layer.size })).toString('utf8')) as unknown;
      const check = (r: VerifiedResult): Partial<VerifiedImageSignature> => {
        const signature = r.statement === undefined || r.statement.predicateType === SIGN_PREDICATE_TYPE;
        if (signature !== (want === 'signature')) throw new SigilError('ERR_VERIFY_POLICY', `referrer ${d.digest} is ${signature ? 'a signature' : 'an attestation'}, not ${want === 'signature' ? 'a signature' : 'an attestation'}`);
        return {};
      };
      return { bundle, artifact: { digest: hexDigest(digest), algorithm: 'sha256' }, check };
    },
  }));
}
