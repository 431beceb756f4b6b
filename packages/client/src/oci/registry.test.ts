import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestOf } from './digest.js';
import { isIndex } from './manifest.js';
import { OCI_EMPTY, OCI_EMPTY_DIGEST, OCI_IMAGE_MANIFEST } from './media-types.js';
import { RegistryClient } from './registry.js';
import { makeTestImage, makeTestIndex, pushTestImage, startProxy, startRegistry, type TestServer } from './test-registry.js';

// Against Debian's docker-registry 2.8 (distribution v2) on loopback, without authentication.
let reg: TestServer;
let client: RegistryClient;
let dir: string;
const MiB = 1024 * 1024;

before(async () => {
  reg = await startRegistry();
  client = new RegistryClient({ credentials: () => Promise.resolve(undefined) });
  dir = await mkdtemp(join(tmpdir(), 'sigil-oci-test-'));
});
after(async () => {
  await reg.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Yields `total` random bytes in pieces of `piece`, hashing them as they go. */
function randomStream(total: number, piece: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  function* gen(): Generator<Buffer> {
    for (let sent = 0; sent < total; sent += piece) {
      const b = randomBytes(Math.min(piece, total - sent));
      hash.update(b);
      yield b;
    }
  }
  return { stream: Readable.from(gen(), { objectMode: false }), digest: () => `sha256:${hash.digest('hex')}` };
}

test('ping: /v2/ answers with the API version', async () => {
  assert.deepEqual(await client.ping(reg.host), { apiVersion: 'registry/2.0' });
});

test('OCI image: push blobs and manifest, pull by tag and digest, resolve', async () => {
  const repo = `${reg.host}/app/oci`;
  const img = makeTestImage({ layers: 3 });
  const digest = await pushTestImage(client, repo, img, 'v1');
  assert.equal(digest, img.manifest.digest);

  const byTag = await client.getManifest(`${repo}:v1`);
  assert.deepEqual(byTag.bytes, img.manifest.bytes);
  assert.equal(byTag.digest, digest);
  assert.equal(byTag.mediaType, OCI_IMAGE_MANIFEST);
  assert.ok(!isIndex(byTag.manifest));
  assert.deepEqual(byTag.manifest.layers.map((l) => l.digest), img.layers.map((l) => l.digest));

  const byDigest = await client.getManifest(`${repo}@${digest}`);
  assert.deepEqual(byDigest.bytes, img.manifest.bytes);
  assert.equal(await client.resolve(`${repo}:v1`), digest);
  assert.equal(await client.resolve(`${repo}@${digest}`), digest);
  assert.deepEqual(await client.headManifest(`${repo}:v1`), { digest, mediaType: OCI_IMAGE_MANIFEST, size: img.manifest.bytes.length });

  for (const b of [img.config, ...img.layers]) {
    assert.deepEqual(await client.getBlob(repo, b.digest, { size: b.size }), b.bytes);
    assert.deepEqual(await client.headBlob(repo, b.digest), { digest: b.digest, size: b.size });
  }
  // Pushing again finds every blob already there.
  assert.equal((await client.pushBlob(repo, img.layers[0]!.bytes)).how, 'exists');
});

test('Docker v2 manifests, an OCI index and a Docker manifest list round-trip', async () => {
  const repo = `${reg.host}/app/multi`;
  for (const format of ['oci', 'docker'] as const) {
    const images = [
      makeTestImage({ format, platform: { os: 'linux', architecture: 'amd64' } }),
      makeTestImage({ format, platform: { os: 'linux', architecture: 'arm64' } }),
    ];
    for (const img of images) await pushTestImage(client, repo, img);
    const index = makeTestIndex(images, format);
    assert.equal(await client.putManifest(repo, `${format}-multi`, index.bytes, index.mediaType), index.digest);
    const got = await client.getManifest(`${repo}:${format}-multi`);
    assert.equal(got.digest, index.digest);
    assert.equal(got.mediaType, index.mediaType);
    assert.ok(isIndex(got.manifest));
    for (const [i, child] of got.manifest.manifests.entries()) {
      assert.deepEqual(child.platform, images[i]!.platform);
      const m = await client.getManifest(`${repo}@${child.digest}`);
      assert.equal(m.mediaType, images[i]!.manifest.mediaType);
    }
  }
});

test('chunked upload: 5 MiB streamed in 1 MiB chunks, then pulled back as a stream', async () => {
  const repo = `${reg.host}/app/big`;
  const src = randomStream(5 * MiB + 123, 64 * 1024);
  // Watch the wire: POST, six PATCHes with contiguous Content-Range, an empty PUT ?digest=.
  const seen: string[] = [];
  const proxy = await startProxy(reg.url, {
    intercept: (req) => {
      if (req.url.includes('/blobs/uploads/')) seen.push(`${req.method} ${req.headers['content-range'] ?? ''} ${req.body.length} ${/[?&]digest=/.test(req.url)}`);
      return undefined;
    },
  });
  const pushed = await client.pushBlob(`${proxy.host}/app/big`, src.stream, { chunkSize: MiB }).finally(() => proxy.stop());
  const ranges = [0, 1, 2, 3, 4].map((i) => `PATCH ${i * MiB}-${(i + 1) * MiB - 1} ${MiB} false`);
  assert.deepEqual(seen, ['POST  0 false', ...ranges, `PATCH ${5 * MiB}-${5 * MiB + 122} 123 false`, 'PUT  0 true']);
  assert.equal(pushed.how, 'uploaded');
  assert.equal(pushed.size, 5 * MiB + 123);
  assert.equal(pushed.digest, src.digest());
  assert.deepEqual(await client.headBlob(repo, pushed.digest), { digest: pushed.digest, size: pushed.size });

  const out = join(dir, 'big.out');
  await pipeline(await client.openBlob(repo, pushed.digest, { size: pushed.size }), createWriteStream(out));
  assert.equal(digestOf(await readFile(out)), pushed.digest);
});

test('uploads from a file path (chunked) and from bytes (monolithic); empty blob', async () => {
  const repo = `${reg.host}/app/files`;
  const file = join(dir, 'layer.bin');
  const bytes = randomBytes(3 * MiB);
  await writeFile(file, bytes);
  const fromFile = await client.pushBlob(repo, { path: file }, { chunkSize: MiB, digest: digestOf(bytes) });
  assert.deepEqual(fromFile, { digest: digestOf(bytes), size: bytes.length, how: 'uploaded' });
  assert.deepEqual(await client.getBlob(repo, fromFile.digest), bytes);

  const small = randomBytes(1000);
  assert.equal((await client.pushBlob(repo, small)).how, 'uploaded');
  assert.deepEqual(await client.getBlob(repo, digestOf(small)), small);

  const empty = await client.pushBlob(repo, Readable.from([], { objectMode: false }));
  assert.deepEqual(empty, { digest: digestOf(new Uint8Array(0)), size: 0, how: 'uploaded' });
  assert.equal((await client.getBlob(repo, empty.digest)).length, 0);
});

test('a stream that does not hash to the promised digest is not committed (ERR_OCI_DIGEST)', async () => {
  const repo = `${reg.host}/app/liar`;
  const claimed = digestOf(Buffer.from('something else'));
  const src = randomStream(2 * MiB + 5, 100_000);
  await assert.rejects(client.pushBlob(repo, src.stream, { chunkSize: MiB, digest: claimed }), { code: 'ERR_OCI_DIGEST' });
  assert.equal(await client.headBlob(repo, src.digest()), undefined);
  assert.equal(await client.headBlob(repo, claimed), undefined);
  await assert.rejects(client.pushBlob(repo, Buffer.from('abc'), { digest: claimed }), { code: 'ERR_OCI_DIGEST' });
});

test('cross-repository mount; a 202 answer to the mount falls back to uploading', async () => {
  const bytes = randomBytes(4096);
  await client.pushBlob(`${reg.host}/mount/source`, bytes);
  const mounted = await client.pushBlob(`${reg.host}/mount/target`, bytes, { mountFrom: 'mount/source' });
  assert.deepEqual(mounted, { digest: digestOf(bytes), size: 4096, how: 'mounted' });
  const other = randomBytes(4096);
  const uploaded = await client.pushBlob(`${reg.host}/mount/target`, other, { mountFrom: 'mount/empty' });
  assert.equal(uploaded.how, 'uploaded');
  assert.deepEqual(await client.getBlob(`${reg.host}/mount/target`, uploaded.digest), other);
});

test('listTags follows Link pages, stops at the cap, and is empty for an unknown repository', async () => {
  const repo = `${reg.host}/app/tags`;
  const img = makeTestImage({ layers: 1 });
  await pushTestImage(client, repo, img);
  const tags = ['a', 'b', 'c', 'd', 'e'];
  for (const t of tags) await client.putManifest(repo, t, img.manifest.bytes, img.manifest.mediaType);
  assert.deepEqual((await client.listTags(repo, { pageSize: 2 })).sort(), tags);
  await assert.rejects(client.listTags(repo, { pageSize: 2, max: 3 }), { code: 'ERR_OCI_LIMIT' });
  assert.deepEqual(await client.listTags(`${reg.host}/app/none`), []);
});

test('referrers API absent on docker-registry: reported as unsupported with the fallback tag', async () => {
  const repo = `${reg.host}/app/refs`;
  const img = makeTestImage({ layers: 1 });
  const subject = await pushTestImage(client, repo, img, 'v1');
  // The registry still stores a manifest with a subject.
  await client.pushBlob(repo, Buffer.from('{}'));
  const payload = Buffer.from('{"sig":1}');
  await client.pushBlob(repo, payload);
  const artifact = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      config: { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2 },
      layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: digestOf(payload), size: payload.length }],
      subject: { mediaType: OCI_IMAGE_MANIFEST, digest: subject, size: img.manifest.bytes.length },
    }),
  );
  await client.putManifest(repo, digestOf(artifact), artifact, OCI_IMAGE_MANIFEST);
  assert.deepEqual(await client.getReferrers(repo, subject), { supported: false, fallbackTag: subject.replace(':', '-') });
});

test('caps, missing content and bad input', async () => {
  const repo = `${reg.host}/app/caps`;
  const bytes = randomBytes(2 * MiB);
  const { digest } = await client.pushBlob(repo, bytes);
  const started = Date.now();
  await assert.rejects(client.getBlob(repo, digest, { maxBytes: MiB }), { code: 'ERR_OCI_LIMIT' });
  await assert.rejects(client.openBlob(repo, digest, { maxBytes: MiB }), { code: 'ERR_OCI_LIMIT' });
  await assert.rejects(client.getBlob(repo, digest, { size: 10 }), { code: 'ERR_OCI_DIGEST' });
  await assert.rejects(client.getBlob(repo, digest, { size: 300 * MiB }), { code: 'ERR_OCI_LIMIT' });
  assert.ok(Date.now() - started < 2000);

  await assert.rejects(client.getManifest(`${repo}:missing`), (err: any) => err.code === 'ERR_NOT_FOUND' && err.details.status === 404);
  assert.equal(await client.headManifest(`${repo}:missing`), undefined);
  await assert.rejects(client.resolve(`${repo}@${digestOf(Buffer.from('x'))}`), { code: 'ERR_OCI' });
  await assert.rejects(client.getBlob(repo, digestOf(Buffer.from('nope'))), (err: any) => err.details.status === 404);

  const img = makeTestImage({ layers: 1 });
  await assert.rejects(client.putManifest(repo, digestOf(Buffer.from('x')), img.manifest.bytes, img.manifest.mediaType), { code: 'ERR_OCI_DIGEST' });
  await assert.rejects(client.putManifest(repo, 'bad tag', img.manifest.bytes, img.manifest.mediaType), { code: 'ERR_BAD_REQUEST' });
  await assert.rejects(client.putManifest(repo, 'v1', Buffer.from('{"schemaVersion":2}'), OCI_IMAGE_MANIFEST), { code: 'ERR_BAD_REQUEST' });
  // The registry itself refuses a manifest whose blobs it lacks.
  await assert.rejects(client.putManifest(repo, 'v1', img.manifest.bytes, img.manifest.mediaType), { code: 'ERR_OCI', message: /BLOB_UNKNOWN|MANIFEST_BLOB_UNKNOWN/ });
  await assert.rejects(client.getManifest('not a reference'), { code: 'ERR_BAD_REQUEST' });
});
