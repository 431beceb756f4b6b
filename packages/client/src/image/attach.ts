import { SigilError } from '@sigil/core';
import { digestOf } from '../oci/digest.js';
import { isIndex, type Descriptor } from '../oci/manifest.js';
import { OCI_EMPTY, OCI_EMPTY_DIGEST, OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '../oci/media-types.js';
import type { ImageReference, Repository } from '../oci/reference.js';
import type { FetchedManifest, RegistryClient } from '../oci/registry.js';
import { signatureConfig, signatureTag, type LayerDescriptor } from './cosign-layout.js';

/**
 * Writing signatures next to an image, in either layout. A registry has no compare-and-
 * swap on tags, so a read-modify-write of `sha256-<hex>.sig` can lose a concurrent
 * signer's layer: after writing, the tag is read back (twice, after short random pauses)
 * and, if our layer is gone, merged and written again. Whoever writes last has read the
 * other's layer, so both survive.
 */
export const BUNDLE_ARTIFACT_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const MAX_WRITE_ATTEMPTS = 6;

export interface Subject {
  repo: Repository;
  digest: string;
  mediaType: string;
  size: number;
}

/** Append one layer to the cosign tag (`.sig` or `.att`), keeping every earlier one. */
export async function appendToSignatureTag(registry: RegistryClient, subject: Subject, suffix: 'sig' | 'att', layerBytes: Buffer, layer: Omit<LayerDescriptor, 'digest' | 'size'>): Promise<string> {
  const pushed = await registry.pushBlob(subject.repo, layerBytes);
  const ours: LayerDescriptor = { mediaType: layer.mediaType, digest: pushed.digest, size: pushed.size, ...(layer.annotations ? { annotations: layer.annotations } : {}) };
  const tag = signatureTag(subject.digest, suffix);
  const ref: ImageReference = { ...subject.repo, tag };
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const existing = await currentLayers(registry, ref);
    if (!existing.some((l) => sameLayer(l, ours))) {
      const layers = [...existing, ours];
      const config = signatureConfig(layers.map((l) => l.digest));
      try {
        const c = await registry.pushBlob(subject.repo, config);
        const manifest = { schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: OCI_IMAGE_CONFIG, size: c.size, digest: c.digest }, layers };
        await registry.putManifest(subject.repo, tag, Buffer.from(JSON.stringify(manifest)), OCI_IMAGE_MANIFEST);
      } catch (err) {
        // Two writers uploading the same config blob at once can make a registry refuse the
        // manifest (distribution answers DIGEST_INVALID): a conflict like any other, retried.
        if (!isConflict(err) || attempt === MAX_WRITE_ATTEMPTS - 1) throw err;
        await pause();
        continue;
      }
    }
    let kept = true;
    for (let check = 0; check < 2 && kept; check++) {
      await pause();
      kept = (await currentLayers(registry, ref)).some((l) => sameLayer(l, ours));
    }
    if (kept) return tag;
  }
  throw new SigilError('ERR_OCI', `could not keep a signature in ${tag}: other writers keep replacing it`);
}

/** A manifest, or undefined when the registry has none (one GET: no HEAD first). */
export async function manifestIfAny(registry: RegistryClient, ref: ImageReference): Promise<FetchedManifest | undefined> {
  try {
    return await registry.getManifest(ref);
  } catch (err) {
    if (err instanceof SigilError && err.code === 'ERR_NOT_FOUND') return undefined;
    throw err;
  }
}

async function currentLayers(registry: RegistryClient, ref: ImageReference): Promise<LayerDescriptor[]> {
  const got = await manifestIfAny(registry, ref);
  if (!got) return [];
  if (isIndex(got.manifest)) throw new SigilError('ERR_OCI', `${ref.tag ?? ''} is an index, not a cosign signature image`);
  return (got.manifest).layers.map(toLayer);
}

function isConflict(err: unknown): boolean {
  const status = (err as { details?: { status?: unknown } } | null)?.details?.status;
  return err instanceof SigilError && err.code === 'ERR_OCI' && (status === 400 || status === 409);
}

const toLayer = (d: Descriptor): LayerDescriptor => ({ mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.annotations ? { annotations: { ...d.annotations } } : {}) });

function sameLayer(a: LayerDescriptor, b: LayerDescriptor): boolean {
  return a.digest === b.digest && JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {});
}

// Longer than a concurrent writer's read-to-write window on a loopback or LAN registry.
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 15 + Math.floor(Math.random() * 30)));

/**
 * The OCI 1.1 layout (cosign v3's `--new-bundle-format`): the bundle as a blob, a
 * manifest with `artifactType` and `subject`, pushed by digest. Registries with the
 * referrers API index it themselves; for the others the referrers tag schema's index
 * (`sha256-<hex>`) is updated, with the same read-back as the tag layout.
 */
export async function attachReferrer(registry: RegistryClient, subject: Subject, bundleJson: Buffer, annotations: Record<string, string>): Promise<string> {
  const blob = await registry.pushBlob(subject.repo, bundleJson);
  await registry.pushBlob(subject.repo, Buffer.from('{}'));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    artifactType: BUNDLE_ARTIFACT_TYPE,
    config: { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2 },
    layers: [{ mediaType: BUNDLE_ARTIFACT_TYPE, digest: blob.digest, size: blob.size, annotations: { 'org.opencontainers.image.title': `${blob.digest.replace(':', '-')}.sigstore.json` } }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = digestOf(bytes);
  await registry.putManifest(subject.repo, digest, bytes, OCI_IMAGE_MANIFEST);
  const referrers = await registry.getReferrers(subject.repo, subject.digest);
  if (referrers.supported) return digest;
  const entry: Descriptor = { mediaType: OCI_IMAGE_MANIFEST, digest, size: bytes.length, artifactType: BUNDLE_ARTIFACT_TYPE, annotations };
  const ref: ImageReference = { ...subject.repo, tag: referrers.fallbackTag };
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const listed = await fallbackIndex(registry, ref);
    if (!listed.some((d) => d.digest === digest)) {
      const index = { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [...listed, entry] };
      try {
        await registry.putManifest(subject.repo, referrers.fallbackTag, Buffer.from(JSON.stringify(index)), OCI_IMAGE_INDEX);
      } catch (err) {
        if (!isConflict(err) || attempt === MAX_WRITE_ATTEMPTS - 1) throw err;
      }
    }
    await pause();
    if ((await fallbackIndex(registry, ref)).some((d) => d.digest === digest)) return digest;
  }
  throw new SigilError('ERR_OCI', `could not keep the referrer in ${referrers.fallbackTag}: other writers keep replacing it`);
}

/** The referrers tag schema's index, or nothing. */
export async function fallbackIndex(registry: RegistryClient, ref: ImageReference): Promise<Descriptor[]> {
  const got = await manifestIfAny(registry, ref);
  if (!got) return [];
  if (!isIndex(got.manifest)) throw new SigilError('ERR_OCI', `${ref.tag ?? ''} is not an index (referrers tag schema)`);
  return [...got.manifest.manifests];
}

/** Every referrer of `digest`: from the referrers API, else from the tag-schema index. */
export async function listReferrers(registry: RegistryClient, repo: Repository, digest: string): Promise<Descriptor[]> {
  const r = await registry.getReferrers(repo, digest);
  if (r.supported) return [...r.manifests];
  return fallbackIndex(registry, { ...repo, tag: r.fallbackTag });
}
