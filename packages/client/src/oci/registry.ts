/**
 * The OCI distribution client: manifests, blobs, tags and referrers over one Transport.
 *
 * Content from a registry is trusted only as far as its digest (RS-66): a manifest pulled
 * by digest must hash to it, and one pulled by tag is named by the digest of the bytes
 * received, never by the registry's word. Every answer is read within a cap (RS-68/69).
 */
import type { Readable } from 'node:stream';
import { SigilError } from '@sigil/core';
import * as blobs from './blobs.js';
import { digestOf, isDigest, parseDigest, referrersTag } from './digest.js';
import { MAX_DESCRIPTORS, MAX_MANIFEST_BYTES, isIndex, parseManifest, type Descriptor, type Manifest } from './manifest.js';
import { MANIFEST_TYPES, OCI_IMAGE_INDEX, essence, isMediaType } from './media-types.js';
import {
  formatReference,
  formatRepository,
  isTag,
  manifestReference,
  parseReference,
  parseRegistry,
  parseRepository,
  type ImageReference,
  type Repository,
} from './reference.js';
import type { RegistryResponse } from './response.js';
import { Transport, type TransportOptions } from './transport.js';

export type RegistryClientOptions = TransportOptions;

export interface FetchedManifest {
  /** The bytes as received; push these, never a re-serialization of `manifest`. */
  readonly bytes: Buffer;
  /** Digest of `bytes` (in the requested digest's algorithm, else sha256). */
  readonly digest: string;
  readonly mediaType: string;
  readonly manifest: Manifest;
}

export interface ManifestHead {
  /** For a tag, the registry's claim (Docker-Content-Digest): use `resolve` to rely on it. */
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number | undefined;
}

export type Referrers =
  | { readonly supported: true; readonly manifests: readonly Descriptor[] }
  /** No referrers API (404): look for an index at `fallbackTag` (the referrers tag schema). */
  | { readonly supported: false; readonly fallbackTag: string };

export interface ListTagsOptions {
  /** Fail with ERR_OCI_LIMIT past this many tags (default 10 000). */
  readonly max?: number;
  /** Ask for pages of this size (`?n=`); the registry may page anyway. */
  readonly pageSize?: number;
}

export const DEFAULT_MAX_TAGS = 10_000;
const MAX_PAGES = 1000;
const MAX_REFERRER_PAGES = 100;
const MAX_TAGS_PAGE_BYTES = 4 * 1024 * 1024;
const ACCEPT_MANIFESTS = MANIFEST_TYPES.join(', ');

type RefInput = ImageReference | string;
type RepoInput = Repository | string;

const pull = (repo: Repository): string[] => [`repository:${repo.repository}:pull`];
const push = (repo: Repository): string[] => [`repository:${repo.repository}:pull,push`];
const toRef = (ref: RefInput): ImageReference => (typeof ref === 'string' ? parseReference(ref) : ref);
const toRepo = (repo: RepoInput): Repository => (typeof repo === 'string' ? parseRepository(repo) : repo);

export class RegistryClient {
  readonly #t: Transport;

  constructor(options: RegistryClientOptions = {}) {
    this.#t = new Transport(options);
  }

  /** GET /v2/, authenticating if the registry asks: proves reachability and credentials. */
  async ping(registry: string): Promise<{ apiVersion: string | undefined }> {
    const name = parseRegistry(registry);
    const res = await this.#t.send({ registry: name, method: 'GET', url: new URL('/v2/', this.#t.baseUrl(name)), scopes: [] });
    if (res.status !== 200) throw await res.failure(`${name} does not serve the registry API (GET /v2/)`);
    await res.discard();
    return { apiVersion: res.headers.get('docker-distribution-api-version') ?? undefined };
  }

  async getManifest(ref: RefInput): Promise<FetchedManifest> {
    const r = toRef(ref);
    const res = await this.#manifestRequest(r, 'GET');
    if (res.status !== 200) throw await res.failure(`GET manifest ${formatReference(r)}`);
    const bytes = await res.bytes(MAX_MANIFEST_BYTES, `manifest ${formatReference(r)}`);
    const digest = checkManifestDigest(bytes, r, res.headers.get('docker-content-digest'));
    const manifest = parseManifest(bytes, res.headers.get('content-type'));
    return { bytes, digest, mediaType: manifest.mediaType, manifest };
  }

  /** Whether the manifest exists, and what the registry says about it; undefined on 404. */
  async headManifest(ref: RefInput): Promise<ManifestHead | undefined> {
    const r = toRef(ref);
    const res = await this.#manifestRequest(r, 'HEAD');
    await res.discard();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await res.failure(`HEAD manifest ${formatReference(r)}`);
    const header = res.headers.get('docker-content-digest');
    if (r.digest !== undefined && header !== null && header !== r.digest) {
      throw new SigilError('ERR_OCI_DIGEST', `asked for ${r.digest}, registry answered for ${header.slice(0, 140)}`);
    }
    const digest = r.digest ?? header;
    if (digest === null || !isDigest(digest)) {
      throw new SigilError('ERR_OCI', `HEAD manifest ${formatReference(r)}: no valid Docker-Content-Digest`, { hint: 'use getManifest' });
    }
    return { digest, mediaType: essence(res.headers.get('content-type')), size: res.contentLength };
  }

  /** The digest a reference names: checked to exist when pinned, computed from the bytes for a tag. */
  async resolve(ref: RefInput): Promise<string> {
    const r = toRef(ref);
    if (r.digest !== undefined) {
      if (!(await this.headManifest(r))) {
        throw new SigilError('ERR_OCI', `manifest ${formatReference(r)} not found`, { details: { status: 404 } });
      }
      return r.digest;
    }
    return (await this.getManifest(r)).digest;
  }

  /** PUT a manifest by tag or digest; returns the digest of `bytes`. */
  async putManifest(repo: RepoInput, tagOrDigest: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const r = toRepo(repo);
    const pinned = isDigest(tagOrDigest);
    if (!pinned && !isTag(tagOrDigest)) throw new SigilError('ERR_BAD_REQUEST', `"${tagOrDigest.slice(0, 140)}" is neither a tag nor a digest`);
    if (!isMediaType(mediaType)) throw new SigilError('ERR_BAD_REQUEST', `"${mediaType.slice(0, 140)}" is not a media type`);
    const digest = digestOf(bytes, pinned ? parseDigest(tagOrDigest).algorithm : 'sha256');
    if (pinned && digest !== tagOrDigest) throw new SigilError('ERR_OCI_DIGEST', `manifest hashes to ${digest}, not ${tagOrDigest}`);
    try {
      parseManifest(bytes, mediaType);
    } catch (err) {
      if (err instanceof SigilError && err.code === 'ERR_OCI') throw new SigilError('ERR_BAD_REQUEST', `refusing to push: ${err.message}`, { cause: err });
      throw err;
    }
    const res = await this.#t.send({
      registry: r.registry,
      method: 'PUT',
      url: new URL(`/v2/${r.repository}/manifests/${tagOrDigest}`, this.#t.baseUrl(r.registry)),
      headers: { 'content-type': mediaType },
      body: bytes,
      scopes: push(r),
    });
    if (res.status !== 201) throw await res.failure(`PUT manifest ${formatRepository(r)}:${tagOrDigest}`);
    const stored = res.headers.get('docker-content-digest');
    await res.discard();
    if (stored !== null && isDigest(stored) && digestOf(bytes, parseDigest(stored).algorithm) !== stored) {
      throw new SigilError('ERR_OCI_DIGEST', `registry stored manifest ${stored} for bytes hashing to ${digest}`);
    }
    return digest;
  }

  headBlob(repo: RepoInput, digest: string): Promise<blobs.BlobHead | undefined> {
    return blobs.headBlob(this.#t, toRepo(repo), digest);
  }

  /** The whole blob in memory, digest-checked, at most `maxBytes` (default 128 MiB). */
  getBlob(repo: RepoInput, digest: string, options?: blobs.GetBlobOptions): Promise<Buffer> {
    return blobs.getBlob(this.#t, toRepo(repo), digest, options);
  }

  /** The blob as a stream that errors rather than ends if the content is wrong. */
  openBlob(repo: RepoInput, digest: string, options?: blobs.GetBlobOptions): Promise<Readable> {
    return blobs.openBlob(this.#t, toRepo(repo), digest, options);
  }

  pushBlob(repo: RepoInput, source: blobs.BlobSource, options?: blobs.PushBlobOptions): Promise<blobs.PushedBlob> {
    return blobs.pushBlob(this.#t, toRepo(repo), source, options);
  }

  /** All tags, following `Link` pages; [] when the repository is unknown. */
  async listTags(repo: RepoInput, options: ListTagsOptions = {}): Promise<string[]> {
    const r = toRepo(repo);
    const max = options.max ?? DEFAULT_MAX_TAGS;
    let url: URL | undefined = new URL(`/v2/${r.repository}/tags/list`, this.#t.baseUrl(r.registry));
    if (options.pageSize !== undefined) url.searchParams.set('n', String(options.pageSize));
    const tags: string[] = [];
    const visited = new Set<string>();
    for (let page = 0; url; page++) {
      if (page >= MAX_PAGES) throw new SigilError('ERR_OCI_LIMIT', `tag list of ${formatRepository(r)} runs past ${MAX_PAGES} pages`);
      if (visited.has(url.href)) throw new SigilError('ERR_OCI', `tag list of ${formatRepository(r)} links back to a page already read`);
      visited.add(url.href);
      const res = await this.#t.send({ registry: r.registry, method: 'GET', url, headers: { accept: 'application/json' }, scopes: pull(r) });
      if (res.status === 404 && page === 0) {
        await res.discard();
        return [];
      }
      if (res.status !== 200) throw await res.failure(`list tags of ${formatRepository(r)}`);
      const next = nextLink(res);
      const body = parseJson(await res.bytes(MAX_TAGS_PAGE_BYTES, 'tag list page'), 'tag list') as { tags?: unknown };
      const list = body.tags ?? [];
      if (!Array.isArray(list)) throw new SigilError('ERR_OCI', `tag list of ${formatRepository(r)}: "tags" is not an array`);
      for (const tag of list) {
        if (typeof tag !== 'string' || !isTag(tag)) throw new SigilError('ERR_OCI', `tag list of ${formatRepository(r)} holds an invalid tag`);
        tags.push(tag);
      }
      if (tags.length > max) throw new SigilError('ERR_OCI_LIMIT', `${formatRepository(r)} has more than ${max} tags`);
      url = next;
    }
    return tags;
  }

  /**
   * Manifests whose `subject` is `digest` (OCI 1.1 referrers API), filtered by `artifactType`.
   * A registry without the API answers 404: then `{ supported: false, fallbackTag }`.
   */
  async getReferrers(repo: RepoInput, digest: string, artifactType?: string): Promise<Referrers> {
    const r = toRepo(repo);
    parseDigest(digest);
    if (artifactType !== undefined && !isMediaType(artifactType)) throw new SigilError('ERR_BAD_REQUEST', 'artifactType is not a media type');
    let url: URL | undefined = new URL(`/v2/${r.repository}/referrers/${digest}`, this.#t.baseUrl(r.registry));
    if (artifactType !== undefined) url.searchParams.set('artifactType', artifactType);
    const found: Descriptor[] = [];
    let listed = 0;
    const visited = new Set<string>();
    for (let page = 0; url; page++) {
      if (page >= MAX_REFERRER_PAGES) throw new SigilError('ERR_OCI_LIMIT', `referrers of ${digest} run past ${MAX_REFERRER_PAGES} pages`);
      if (visited.has(url.href)) throw new SigilError('ERR_OCI', `referrers of ${digest} link back to a page already read`);
      visited.add(url.href);
      const res = await this.#t.send({ registry: r.registry, method: 'GET', url, headers: { accept: OCI_IMAGE_INDEX }, scopes: pull(r) });
      if (res.status === 404 && page === 0) {
        await res.discard();
        return { supported: false, fallbackTag: referrersTag(digest) };
      }
      if (res.status !== 200) throw await res.failure(`referrers of ${digest} in ${formatRepository(r)}`);
      const contentType = res.headers.get('content-type');
      if (essence(contentType) !== OCI_IMAGE_INDEX) {
        await res.discard();
        throw new SigilError('ERR_OCI', `referrers of ${digest}: expected an OCI index, got ${essence(contentType).slice(0, 100) || 'no Content-Type'}`);
      }
      const next = nextLink(res);
      const index = parseManifest(await res.bytes(MAX_MANIFEST_BYTES, 'referrers index'), contentType);
      if (!isIndex(index)) throw new SigilError('ERR_OCI', `referrers of ${digest}: not an index`);
      listed += index.manifests.length;
      if (listed > MAX_DESCRIPTORS) throw new SigilError('ERR_OCI_LIMIT', `more than ${MAX_DESCRIPTORS} referrers of ${digest}`);
      // Filter again even when the registry says it did (OCI-Filters-Applied): it costs nothing.
      found.push(...index.manifests.filter((d) => artifactType === undefined || d.artifactType === artifactType));
      url = next;
    }
    return { supported: true, manifests: found };
  }

  #manifestRequest(r: ImageReference, method: 'GET' | 'HEAD'): Promise<RegistryResponse> {
    return this.#t.send({
      registry: r.registry,
      method,
      url: new URL(`/v2/${r.repository}/manifests/${manifestReference(r)}`, this.#t.baseUrl(r.registry)),
      headers: { accept: ACCEPT_MANIFESTS },
      scopes: pull(r),
    });
  }
}

/**
 * RS-66: by digest, the bytes must hash to it. By tag, the digest is computed here, and a
 * Docker-Content-Digest that names other bytes means the registry or a proxy lied.
 */
function checkManifestDigest(bytes: Uint8Array, r: ImageReference, header: string | null): string {
  if (r.digest !== undefined) {
    const actual = digestOf(bytes, parseDigest(r.digest).algorithm);
    if (actual !== r.digest) {
      throw new SigilError('ERR_OCI_DIGEST', `registry sent a manifest hashing to ${actual} for ${formatReference(r)}`, {
        hint: 'the registry or something between it and you altered the content',
      });
    }
    return actual;
  }
  const actual = digestOf(bytes);
  if (header !== null) {
    const claimed = isDigest(header) ? digestOf(bytes, parseDigest(header).algorithm) : undefined;
    if (claimed !== header) {
      throw new SigilError('ERR_OCI_DIGEST', `${formatReference(r)}: registry says ${header.slice(0, 140)} but the bytes hash to ${actual}`);
    }
  }
  return actual;
}

/** `Link: <url>; rel="next"` (RFC 8288), resolved against the request URL. */
function nextLink(res: RegistryResponse): URL | undefined {
  const header = res.headers.get('link');
  if (!header) return undefined;
  for (const m of header.slice(0, 8192).matchAll(/<([^>]*)>((?:\s*;\s*[^,;]*)*)/g)) {
    if (/;\s*rel\s*=\s*"?next"?/i.test(m[2] ?? '')) return new URL(m[1] ?? '', res.url);
  }
  return undefined;
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new SigilError('ERR_OCI', `${what} is not JSON`, { cause });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SigilError('ERR_OCI', `${what} is not a JSON object`);
  return doc as Record<string, unknown>;
}
