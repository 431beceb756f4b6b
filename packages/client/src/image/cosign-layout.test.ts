import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { vectorsDir } from '@sigil/core/test-support';
import { parseTrustedRoot, verifyBundle } from '../index.js';
import { throwsSigil } from '../test-support.js';
import { checkSimpleSigning, layerToBundle, signatureConfig, signatureTag, simpleSigningPayload, type LayerDescriptor } from './cosign-layout.js';

const OCI = vectorsDir('oci');
const read = (f: string): Buffer => readFileSync(path.join(OCI, f));
interface Case { signedImageDigest: string; expectedIdentity: { issuer: string; subjectAlternativeNameURI: string } }
const c = (JSON.parse(read('cases.json').toString()) as { cases: Case[] }).cases[0]!;
const manifest = JSON.parse(read('sig-manifest.json').toString()) as { layers: LayerDescriptor[] };
const layer = manifest.layers[0]!;
const payload = read('sig-payload.simplesigning.json');
const trust = parseTrustedRoot(readFileSync(path.join(vectorsDir('bundles'), 'trusted_root.public-good.json')));
const policy = { identity: c.expectedIdentity.subjectAlternativeNameURI, issuer: c.expectedIdentity.issuer };

test('a real cosign .sig layer (keyless, GitHub Actions) verifies as a bundle built from its annotations', () => {
  assert.equal(`sha256:${createHash('sha256').update(payload).digest('hex')}`, layer.digest);
  const s = checkSimpleSigning(payload, c.signedImageDigest);
  assert.equal(s.dockerReference, 'index.docker.io/salrashid123/server_image');
  assert.equal(s.optional, null);
  const r = verifyBundle({ bundle: layerToBundle(layer, payload), artifact: payload, trust, policy });
  assert.equal(r.signer.identity?.san, c.expectedIdentity.subjectAlternativeNameURI);
  assert.equal(r.tlog[0]?.logIndex, 1004096555);
});

test('tampering with the payload, the signature or the Rekor annotation fails; another digest fails its own check', () => {
  const changed = Buffer.from(payload.toString().replace('server_image', 'server_imagf'));
  assert.throws(() => verifyBundle({ bundle: layerToBundle(layer, changed), artifact: changed, trust, policy }));
  const sig = layer.annotations!['dev.cosignproject.cosign/signature']!;
  const flipped = { ...layer, annotations: { ...layer.annotations, 'dev.cosignproject.cosign/signature': sig.slice(0, 20) + (sig[20] === 'A' ? 'B' : 'A') + sig.slice(21) } };
  assert.throws(() => verifyBundle({ bundle: layerToBundle(flipped, payload), artifact: payload, trust, policy }));
  const noRekor = { ...layer, annotations: { ...layer.annotations } };
  delete noRekor.annotations['dev.sigstore.cosign/bundle'];
  throwsSigil(() => verifyBundle({ bundle: layerToBundle(noRekor, payload), artifact: payload, trust, policy }), 'ERR_VERIFY_BUNDLE');
  throwsSigil(() => checkSimpleSigning(payload, `sha256:${'0'.repeat(64)}`), 'ERR_VERIFY_IMAGE_DIGEST');
  throwsSigil(() => checkSimpleSigning(Buffer.from('{"critical":{}}'), c.signedImageDigest), 'ERR_VERIFY_IMAGE');
  throwsSigil(() => checkSimpleSigning(Buffer.from('nope'), c.signedImageDigest), 'ERR_VERIFY_IMAGE');
});

test('we write the payload and config bytes cosign writes', () => {
  assert.deepEqual(simpleSigningPayload('index.docker.io/salrashid123/server_image', c.signedImageDigest), payload);
  const config = signatureConfig([layer.digest]);
  assert.deepEqual(config, read('sig-config.json'));
  assert.equal(signatureTag(c.signedImageDigest, 'sig'), 'sha256-c05263d2ff654c3a94243662440913f045075d59c436e2c69e9145ec2b87a321.sig');
  throwsSigil(() => signatureTag('sha256:abc', 'sig'), 'ERR_BAD_REQUEST');
});
