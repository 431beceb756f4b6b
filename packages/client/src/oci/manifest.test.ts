import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from './digest.js';
import { MAX_DESCRIPTORS, MAX_MANIFEST_BYTES, isIndex, parseManifest } from './manifest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_EMPTY, OCI_EMPTY_DIGEST, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, isMediaType } from './media-types.js';
import { makeTestImage, makeTestIndex } from './test-registry.js';

const enc = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const D = `sha256:${'0'.repeat(64)}`;
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D, size: 1 };
const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D, size: 2 };
const image = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config, layers: [layer], ...over });

test('parses OCI and Docker manifests, indexes and manifest lists', () => {
  for (const format of ['oci', 'docker'] as const) {
    const img = makeTestImage({ format, layers: 3 });
    const m = parseManifest(img.manifest.bytes, img.manifest.mediaType);
    assert.equal(m.mediaType, format === 'oci' ? OCI_IMAGE_MANIFEST : DOCKER_MANIFEST);
    assert.ok(!isIndex(m) && m.layers.length === 3 && m.config.digest === img.config.digest);
    const idx = makeTestIndex([img, makeTestImage({ format, platform: { os: 'linux', architecture: 'arm64' } })], format);
    const i = parseManifest(idx.bytes, idx.mediaType);
    assert.ok(isIndex(i));
    assert.equal(i.mediaType, format === 'oci' ? OCI_IMAGE_INDEX : DOCKER_MANIFEST_LIST);
    assert.deepEqual(i.manifests[1]?.platform, { os: 'linux', architecture: 'arm64' });
  }
});

test('artifact fields: subject, artifactType, annotations, embedded data checked against its digest', () => {
  const data = Buffer.from('{}').toString('base64');
  const m = parseManifest(
    enc(image({ artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', config: { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2, data }, subject: config, annotations: { a: 'b' } })),
    'application/vnd.oci.image.manifest.v1+json; charset=utf-8',
  );
  assert.ok(!isIndex(m));
  assert.equal(m.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  assert.equal(m.subject?.digest, D);
  assert.deepEqual(m.annotations, { a: 'b' });
  const wrongData = Buffer.from('{ }').toString('base64');
  assert.throws(() => parseManifest(enc(image({ config: { ...config, digest: OCI_EMPTY_DIGEST, data: wrongData } })), OCI_IMAGE_MANIFEST), { code: 'ERR_OCI_DIGEST' });
  // Unknown fields are tolerated and dropped from the view.
  const extra = parseManifest(enc(image({ future: 1, layers: [{ ...layer, future: true }] })));
  assert.ok(!('future' in extra));
});

test('media type without Content-Type: taken from the document, else from its shape', () => {
  assert.equal(parseManifest(enc(image({ mediaType: undefined }))).mediaType, OCI_IMAGE_MANIFEST);
  assert.equal(parseManifest(enc({ schemaVersion: 2, manifests: [] })).mediaType, OCI_IMAGE_INDEX);
  assert.equal(parseManifest(enc(image({ mediaType: DOCKER_MANIFEST })), 'application/json').mediaType, DOCKER_MANIFEST);
});

test('ambiguous or malformed documents are ERR_OCI (CVE-2021-41190 type confusion)', () => {
  const cases: [unknown, string?][] = [
    [image(), OCI_IMAGE_INDEX], // Content-Type and mediaType disagree
    [image({ manifests: [] })],
    [{ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [], layers: [] }],
    [{ schemaVersion: 2, manifests: [] }, OCI_IMAGE_MANIFEST], // index shape sent as a manifest
    [image({ schemaVersion: 1 })],
    [image({ mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' })],
    [image({ mediaType: 'application/vnd.oci.artifact.manifest.v1+json' })],
    [image({ layers: 'x' })],
    [image({ config: undefined })],
    [image({ layers: [{ ...layer, digest: 'sha256:abc' }] })],
    [image({ layers: [{ ...layer, digest: `SHA256:${'0'.repeat(64)}` }] })],
    [image({ layers: [{ ...layer, size: -1 }] })],
    [image({ layers: [{ ...layer, size: 1.5 }] })],
    [image({ layers: [{ ...layer, size: '1' }] })],
    [image({ layers: [{ ...layer, mediaType: 'not a media type' }] })],
    [image({ annotations: { a: 1 } })],
    [image({ layers: [{ ...layer, platform: { os: 'linux' } }] })],
    [image({ layers: [{ ...layer, urls: 'http://x' }] })],
    [[image()]],
  ];
  for (const [doc, type] of cases) {
    assert.throws(() => parseManifest(enc(doc), type), { code: 'ERR_OCI' }, JSON.stringify(doc).slice(0, 200));
  }
  assert.throws(() => parseManifest(Buffer.from('{'), OCI_IMAGE_MANIFEST), { code: 'ERR_OCI' });
  assert.throws(() => parseManifest(Buffer.from([0x7b, 0xff, 0x7d]), OCI_IMAGE_MANIFEST), { code: 'ERR_OCI' });
});

test('caps: 4 MiB per manifest, 1000 layers or manifests (RS-68)', () => {
  const many = enc(image({ layers: Array.from({ length: MAX_DESCRIPTORS + 1 }, () => layer) }));
  assert.throws(() => parseManifest(many, OCI_IMAGE_MANIFEST), { code: 'ERR_OCI_LIMIT' });
  const manyIndex = enc({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: Array.from({ length: 100_000 }, () => layer) });
  assert.throws(() => parseManifest(manyIndex, OCI_IMAGE_INDEX), { code: 'ERR_OCI_LIMIT' });
  assert.doesNotThrow(() => parseManifest(enc(image({ layers: Array.from({ length: MAX_DESCRIPTORS }, () => layer) }))));
  const huge = enc(image({ annotations: { pad: 'x'.repeat(MAX_MANIFEST_BYTES) } }));
  assert.throws(() => parseManifest(huge), { code: 'ERR_OCI_LIMIT' });
});

test('media type syntax (RFC 6838) and digests of manifest bytes', () => {
  for (const t of ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.dev.sigstore.bundle.v0.3+json;version=0.3', 'text/plain; charset="utf-8"']) {
    assert.ok(isMediaType(t), t);
  }
  for (const t of ['', 'application', 'application/', '/json', 'a b/c', 'application/json;', `a/${'b'.repeat(300)}`]) assert.ok(!isMediaType(t), t);
  const img = makeTestImage();
  assert.equal(img.manifest.digest, digestOf(img.manifest.bytes));
});
