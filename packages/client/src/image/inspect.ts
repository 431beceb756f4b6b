import { SigilError } from '@sigil/core';
import { isIndex } from '../oci/manifest.js';
import { formatRepository, parseReference, type Repository } from '../oci/reference.js';
import type { RegistryClient } from '../oci/registry.js';
import { listReferrers, manifestIfAny } from './attach.js';
import { ANNOTATION, DSSE_MEDIA_TYPE, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag } from './cosign-layout.js';

/**
 * What is attached to an image, without verifying anything (`tree`, `triangulate`,
 * `download`): cosign's `.sig`/`.att` tags and OCI referrers. Each item says where it is.
 */
export interface Attached {
  repo: Repository;
  digest: string;
  signatures: { tag: string; layers: { digest: string; size: number; annotations: Record<string, string> }[] } | undefined;
  attestations: { tag: string; layers: { digest: string; size: number; annotations: Record<string, string> }[] } | undefined;
  referrers: { digest: string; artifactType?: string; annotations: Record<string, string> }[];
}

export async function resolveDigest(registry: RegistryClient, ref: string): Promise<{ repo: Repository; digest: string }> {
  const r = parseReference(ref);
  const got = await registry.getManifest(r);
  return { repo: { registry: r.registry, repository: r.repository }, digest: got.digest };
}

/** Where cosign's tag layout keeps the signatures (or attestations) of this image. */
export async function triangulate(registry: RegistryClient, ref: string, kind: 'signature' | 'attestation'): Promise<string> {
  const { repo, digest } = await resolveDigest(registry, ref);
  return `${formatRepository(repo)}:${signatureTag(digest, kind === 'signature' ? 'sig' : 'att')}`;
}

export async function attached(registry: RegistryClient, ref: string): Promise<Attached> {
  const { repo, digest } = await resolveDigest(registry, ref);
  const layersOf = async (suffix: 'sig' | 'att') => {
    const tag = signatureTag(digest, suffix);
    const m = await manifestIfAny(registry, { ...repo, tag });
    if (!m) return undefined;
    if (isIndex(m.manifest)) throw new SigilError('ERR_OCI', `${tag} is an index, not a cosign signature image`);
    return { tag, layers: m.manifest.layers.map((l) => ({ digest: l.digest, size: l.size, annotations: { ...(l.annotations ?? {}) } })) };
  };
  const [signatures, attestations, referrers] = await Promise.all([layersOf('sig'), layersOf('att'), listReferrers(registry, repo, digest).catch(() => [])]);
  return {
    repo, digest, signatures, attestations,
    referrers: referrers.map((d) => ({ digest: d.digest, ...(d.artifactType ? { artifactType: d.artifactType } : {}), annotations: { ...(d.annotations ?? {}) } })),
  };
}

/**
 * `download signature|attestation`: one JSON document per line, as cosign prints them —
 * signatures as `{Base64Signature, Payload, Cert, Chain, Bundle}`, attestations as their
 * DSSE envelopes — plus any Sigstore bundle attached as a referrer.
 */
export async function download(registry: RegistryClient, ref: string, kind: 'signature' | 'attestation'): Promise<string[]> {
  const { repo, digest } = await resolveDigest(registry, ref);
  const tag = signatureTag(digest, kind === 'signature' ? 'sig' : 'att');
  const out: string[] = [];
  const m = await manifestIfAny(registry, { ...repo, tag });
  if (m) {
    if (isIndex(m.manifest)) throw new SigilError('ERR_OCI', `${tag} is an index, not a cosign signature image`);
    for (const l of m.manifest.layers) {
      if (l.mediaType !== (kind === 'signature' ? SIMPLE_SIGNING_MEDIA_TYPE : DSSE_MEDIA_TYPE)) continue;
      const blob = await registry.getBlob(repo, l.digest, { maxBytes: 16 * 1024 * 1024, size: l.size });
      const a = l.annotations ?? {};
      if (kind === 'attestation') {
        out.push(JSON.stringify(JSON.parse(blob.toString('utf8'))));
        continue;
      }
      const bundle = a[ANNOTATION.bundle];
      out.push(JSON.stringify({
        Base64Signature: a[ANNOTATION.signature] ?? '',
        Payload: blob.toString('base64'),
        Cert: a[ANNOTATION.certificate] ?? null,
        Chain: a[ANNOTATION.chain] ?? null,
        Bundle: bundle === undefined ? null : (JSON.parse(bundle) as unknown),
        RFC3161Timestamp: null,
      }));
    }
  }
  for (const d of await listReferrers(registry, repo, digest).catch(() => [])) {
    if (!d.artifactType?.startsWith('application/vnd.dev.sigstore.bundle')) continue;
    const isSig = d.annotations?.['dev.sigstore.bundle.predicateType'] === 'https://sigstore.dev/cosign/sign/v1' || d.annotations?.['dev.sigstore.bundle.content'] === 'message-signature';
    if (isSig !== (kind === 'signature')) continue;
    const m = await registry.getManifest({ ...repo, digest: d.digest });
    if (isIndex(m.manifest) || !m.manifest.layers[0]) continue;
    const blob = await registry.getBlob(repo, m.manifest.layers[0].digest, { maxBytes: 16 * 1024 * 1024, size: m.manifest.layers[0].size });
    out.push(JSON.stringify(JSON.parse(blob.toString('utf8'))));
  }
  return out;
}
