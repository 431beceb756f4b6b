/**
 * Blobs (distribution spec §Pulling blobs, §Pushing blobs): bounded, digest-checked
 * downloads, and uploads that are monolithic when small and chunked when large, read
 * from a stream one chunk at a time so a large blob is never held in memory.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { SigilError } from '@sigil/core';
import { Digester, digestOf, parseDigest } from './digest.js';
import { OCTET_STREAM } from './media-types.js';
import { formatRepository, parseRepository, type Repository } from './reference.js';
import type { RegistryResponse } from './response.js';
import type { Transport } from './transport.js';

/** cosign's default cap for one layer (GHSA-95pr-fxf5-86gv). */
export const DEFAULT_MAX_BLOB_BYTES = 128 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 5 * 1024 * 1024;
// A registry may ask for larger chunks (OCI-Chunk-Min-Length); more than this is refused.
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export type BlobSource = Uint8Array | AsyncIterable<Uint8Array> | { readonly path: string };

export interface BlobHead {
  readonly digest: string;
  readonly size: number;
}

export interface GetBlobOptions {
  /** Refuse more than this many bytes (default 128 MiB). */
  readonly maxBytes?: number;
  /** The size the descriptor promises; any other length is ERR_OCI_DIGEST. */
  readonly size?: number;
}

export interface PushBlobOptions {
  /** Expected digest; the upload fails with ERR_OCI_DIGEST if the content hashes otherwise. */
  readonly digest?: string;
  /** Try a cross-repository mount from this repository of the same registry first. */
  readonly mountFrom?: Repository | string;
  /** Chunk size for chunked uploads and the largest monolithic one (default 5 MiB). */
  readonly chunkSize?: number;
}

export interface PushedBlob {
  readonly digest: string;
  readonly size: number;
  /** exists: already there; mounted: linked from `mountFrom`; uploaded: bytes sent. */
  readonly how: 'exists' | 'mounted' | 'uploaded';
}

const pull = (repo: Repository): string => `repository:${repo.repository}:pull`;
const push = (repo: Repository): string => `repository:${repo.repository}:pull,push`;

function blobUrl(t: Transport, repo: Repository, digest: string): URL {
  return new URL(`/v2/${repo.repository}/blobs/${digest}`, t.baseUrl(repo.registry));
}

export async function headBlob(t: Transport, repo: Repository, digest: string): Promise<BlobHead | undefined> {
  parseDigest(digest);
  const res = await t.send({ registry: repo.registry, method: 'HEAD', url: blobUrl(t, repo, digest), scopes: [pull(repo)] });
  await res.discard();
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw await res.failure(`HEAD blob ${digest} in ${formatRepository(repo)}`);
  const size = res.contentLength;
  if (size === undefined) throw new SigilError('ERR_OCI', `HEAD blob ${digest}: no Content-Length`);
  return { digest, size };
}

/** The blob's bytes, checked against `digest` (and `size`), within the cap. */
export async function getBlob(t: Transport, repo: Repository, digest: string, options: GetBlobOptions = {}): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of verifiedBlob(t, repo, digest, options)) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * The blob as a stream. It errors (ERR_OCI_DIGEST / ERR_OCI_LIMIT) instead of ending when
 * the content is wrong, so `pipeline()` into a file rejects; delete what it wrote.
 */
export async function openBlob(t: Transport, repo: Repository, digest: string, options: GetBlobOptions = {}): Promise<Readable> {
  const chunks = verifiedBlob(t, repo, digest, options);
  // Start the request now, so a missing blob or a refused size rejects here, not mid-pipe.
  const first = await chunks.next();
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.done) return;
    yield first.value;
    yield* chunks;
  }
  return Readable.from(rest(), { objectMode: false });
}

async function* verifiedBlob(t: Transport, repo: Repository, digest: string, options: GetBlobOptions): AsyncGenerator<Uint8Array> {
  const { algorithm } = parseDigest(digest);
  const max = options.maxBytes ?? DEFAULT_MAX_BLOB_BYTES;
  const expected = options.size;
  const what = `blob ${digest}`;
  if (expected !== undefined && expected > max) throw new SigilError('ERR_OCI_LIMIT', `${what} is ${expected} bytes; the cap is ${max}`);
  const res = await t.send({ registry: repo.registry, method: 'GET', url: blobUrl(t, repo, digest), scopes: [pull(repo)] });
  if (res.status !== 200) throw await res.failure(`GET ${what} from ${formatRepository(repo)}`);
  const declared = res.contentLength;
  if (expected !== undefined && declared !== undefined && declared !== expected && declared <= max) {
    await res.discard();
    throw new SigilError('ERR_OCI_DIGEST', `${what}: registry sends ${declared} bytes, the descriptor says ${expected}`);
  }
  const digester = new Digester(algorithm);
  for await (const chunk of res.chunks(expected ?? max, what)) {
    digester.update(chunk);
    yield chunk;
  }
  if (expected !== undefined && digester.size !== expected) {
    throw new SigilError('ERR_OCI_DIGEST', `${what}: got ${digester.size} bytes, the descriptor says ${expected}`);
  }
  const actual = digester.digest();
  if (actual !== digest) throw new SigilError('ERR_OCI_DIGEST', `${what}: content hashes to ${actual}`);
}

export async function pushBlob(t: Transport, repo: Repository, source: BlobSource, options: PushBlobOptions = {}): Promise<PushedBlob> {
  const algorithm = options.digest === undefined ? 'sha256' : parseDigest(options.digest).algorithm;
  let chunkSize = options.chunkSize ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
    throw new SigilError('ERR_BAD_REQUEST', `chunk size must be 1..${MAX_CHUNK_BYTES} bytes`);
  }
  let digest = options.digest;
  if (source instanceof Uint8Array) {
    const actual = digestOf(source, algorithm);
    if (digest !== undefined && digest !== actual) throw new SigilError('ERR_OCI_DIGEST', `blob hashes to ${actual}, not ${digest}`);
    digest = actual;
  }
  if (digest !== undefined) {
    const head = await headBlob(t, repo, digest);
    if (head) return { digest, size: head.size, how: 'exists' };
  }

  const from = typeof options.mountFrom === 'string' ? parseRepository(`${repo.registry}/${options.mountFrom}`) : options.mountFrom;
  if (from && from.registry !== repo.registry) throw new SigilError('ERR_BAD_REQUEST', 'blobs mount only within one registry');
  if (from && digest === undefined) throw new SigilError('ERR_BAD_REQUEST', 'mounting a blob needs its digest');
  const start = new URL(`/v2/${repo.repository}/blobs/uploads/`, t.baseUrl(repo.registry));
  if (from && digest !== undefined) {
    start.searchParams.set('mount', digest);
    start.searchParams.set('from', from.repository);
  }
  const scopes = from ? [push(repo), pull(from)] : [push(repo)];
  const res = await t.send({ registry: repo.registry, method: 'POST', url: start, scopes, body: new Uint8Array(0) });
  if (res.status === 201 && from && digest !== undefined) {
    await res.discard();
    const head = await headBlob(t, repo, digest);
    if (!head) throw new SigilError('ERR_OCI', `registry reported mounting ${digest} but does not serve it`);
    return { digest, size: head.size, how: 'mounted' };
  }
  // 202 to a mount request means "not mounted, upload instead" (distribution spec).
  if (res.status !== 202) throw await res.failure(`start upload to ${formatRepository(repo)}`);
  const minChunk = Number(res.headers.get('oci-chunk-min-length') ?? 0);
  if (Number.isSafeInteger(minChunk) && minChunk > chunkSize) {
    if (minChunk > MAX_CHUNK_BYTES) throw new SigilError('ERR_OCI_LIMIT', `registry wants chunks of ${minChunk} bytes`);
    chunkSize = minChunk;
  }
  await res.discard();
  const upload = new Upload(t, repo, scopes, nextLocation(t, res));
  try {
    const pushed = await upload.send(source, chunkSize, algorithm, digest);
    return { ...pushed, how: 'uploaded' };
  } catch (err) {
    await upload.cancel();
    throw err;
  }
}

/** One upload session; each answer names the URL of the next request (spec: Location). */
class Upload {
  #offset = 0;
  constructor(
    private readonly t: Transport,
    private readonly repo: Repository,
    private readonly scopes: string[],
    private location: URL,
  ) {}

  async send(source: BlobSource, chunkSize: number, algorithm: 'sha256' | 'sha512', expected: string | undefined): Promise<BlobHead> {
    const digester = new Digester(algorithm);
    let held: Buffer | undefined;
    let patched = false;
    // Hold one chunk back: only when the source ends do we know whether it is the last.
    for await (const chunk of rechunk(source, chunkSize)) {
      digester.update(chunk);
      if (held) {
        await this.#patch(held);
        patched = true;
      }
      held = chunk;
    }
    if (held && patched) await this.#patch(held);
    const digest = digester.digest();
    if (expected !== undefined && digest !== expected) {
      throw new SigilError('ERR_OCI_DIGEST', `blob hashes to ${digest}, not ${expected}`);
    }
    await this.#finish(digest, patched ? new Uint8Array(0) : (held ?? new Uint8Array(0)));
    return { digest, size: digester.size };
  }

  async #patch(chunk: Buffer): Promise<void> {
    const end = this.#offset + chunk.length - 1;
    const res = await this.t.send({
      registry: this.repo.registry,
      method: 'PATCH',
      url: this.location,
      scopes: this.scopes,
      headers: { 'content-type': OCTET_STREAM, 'content-range': `${this.#offset}-${end}` },
      body: chunk,
    });
    if (res.status !== 202) throw await res.failure(`upload chunk ${this.#offset}-${end} to ${formatRepository(this.repo)}`);
    await res.discard();
    const range = res.headers.get('range');
    const m = range === null ? null : /^(?:bytes=)?0-([0-9]+)$/.exec(range);
    if (range !== null && (!m || Number(m[1]) !== end)) {
      throw new SigilError('ERR_OCI', `upload to ${formatRepository(this.repo)}: registry holds range ${range.slice(0, 40)}, expected 0-${end}`);
    }
    this.location = nextLocation(this.t, res);
    this.#offset = end + 1;
  }

  async #finish(digest: string, body: Uint8Array): Promise<void> {
    const url = new URL(this.location);
    url.search = `${url.search ? `${url.search}&` : '?'}digest=${encodeURIComponent(digest)}`;
    const res = await this.t.send({
      registry: this.repo.registry,
      method: 'PUT',
      url,
      scopes: this.scopes,
      headers: { 'content-type': OCTET_STREAM },
      body,
    });
    if (res.status !== 201) throw await res.failure(`finish upload of ${digest} to ${formatRepository(this.repo)}`);
    const stored = res.headers.get('docker-content-digest');
    await res.discard();
    if (stored !== null && stored !== digest) throw new SigilError('ERR_OCI_DIGEST', `registry stored ${stored.slice(0, 140)} for blob ${digest}`);
  }

  /** Best effort: a dangling session is the registry's to purge anyway. */
  async cancel(): Promise<void> {
    try {
      const res = await this.t.send({ registry: this.repo.registry, method: 'DELETE', url: this.location, scopes: this.scopes });
      await res.discard();
    } catch {
      // ignored: the upload already failed with a better error
    }
  }
}

function nextLocation(t: Transport, res: RegistryResponse): URL {
  const location = res.headers.get('location');
  if (location === null) throw new SigilError('ERR_OCI', `${res.method} ${res.url.pathname}: upload answer without Location`);
  const url = new URL(location, res.url);
  t.checkUrl(url);
  return url;
}

/** The source cut into `size`-byte Buffers (the last one shorter; one empty Buffer for empty input). */
async function* rechunk(source: BlobSource, size: number): AsyncGenerator<Buffer> {
  const input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
    source instanceof Uint8Array ? slices(source, size) : 'path' in source ? createReadStream(source.path, { highWaterMark: Math.min(size, 1024 * 1024) }) : source;
  let parts: Buffer[] = [];
  let length = 0;
  let yielded = false;
  for await (const piece of input as AsyncIterable<unknown>) {
    if (!(piece instanceof Uint8Array)) throw new SigilError('ERR_BAD_REQUEST', 'blob source must yield bytes (a stream without an encoding)');
    let data = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (length + data.length >= size) {
      const take = size - length;
      parts.push(data.subarray(0, take));
      yield Buffer.concat(parts, size);
      yielded = true;
      data = data.subarray(take);
      parts = [];
      length = 0;
    }
    if (data.length) {
      parts.push(data);
      length += data.length;
    }
  }
  if (length > 0 || !yielded) yield Buffer.concat(parts, length);
}

function* slices(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
