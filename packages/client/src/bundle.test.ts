import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigilError } from '@sigil/core';
import { parseBundle } from './bundle.js';
import { T0, ecKeys, makeBundle, makeLeaf, makeWorld } from './test-support.js';

const w = makeWorld();
const key = ecKeys();
const base = (): any => makeBundle(w, { artifact: Buffer.from('a'), leaf: { cert: makeLeaf(w, key.publicKey, T0) }, signingKey: key, integratedTime: T0 / 1000 + 60 });

function bad(mutate: (b: any) => unknown, message: RegExp): void {
  const b = base();
  const out = mutate(b);
  assert.throws(() => parseBundle(out === undefined ? b : out), (err: unknown) => {
    assert.ok(err instanceof SigilError && err.code === 'ERR_VERIFY_BUNDLE', String(err));
    assert.match(err.message, message);
    return true;
  });
}

test('parseBundle accepts JSON text, bytes and values; reads int64, bytes and the media type version', () => {
  const b = base();
  for (const input of [b, JSON.stringify(b), Buffer.from(JSON.stringify(b))]) {
    const p = parseBundle(input);
    assert.equal(p.version, '0.3');
    assert.equal(p.tlogEntries[0]?.integratedTime, T0 / 1000 + 60);
    assert.equal(p.material.kind, 'certificate');
  }
  b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.3';
  assert.equal(parseBundle(b).version, '0.3');
  // proto3 JSON leaves out int64 fields at 0 (sigstore-js does, for the log's first entry).
  delete b.verificationMaterial.tlogEntries[0].logIndex;
  delete b.verificationMaterial.tlogEntries[0].inclusionProof.logIndex;
  const first = parseBundle(b).tlogEntries[0]!;
  assert.equal(first.logIndex, 0);
  assert.equal(first.inclusionProof?.logIndex, 0);
});

test('parseBundle refuses malformed bundles (RS-58)', () => {
  bad(() => '{"mediaType":', /not valid JSON/);
  bad((b) => { b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=99.9'; }, /media type/);
  bad((b) => { b.mediaType = 'application/vnd.dev.sigstore.bundle.v0.4+json'; }, /media type/);
  bad((b) => { b.verificationMaterial.tlogEntries[0].logIndex = '-1'; }, /logIndex/);
  bad((b) => { b.verificationMaterial.tlogEntries[0].logIndex = '99999999999999999999'; }, /logIndex/);
  bad((b) => { b.verificationMaterial.tlogEntries[0].integratedTime = '1.5'; }, /integratedTime/);
  bad((b) => { b.messageSignature.signature = 'MEUC!!=='; }, /base64/);
  bad((b) => { b.messageSignature.signature = 'MEUCIQ'; }, /base64/);
  bad((b) => { b.messageSignature.messageDigest.algorithm = 'MD5'; }, /digest algorithm/);
  bad((b) => { delete b.messageSignature.messageDigest; }, /messageDigest/);
  bad((b) => { b.dsseEnvelope = { payload: 'e30=', payloadType: 'x', signatures: [] }; }, /exactly one of messageSignature/);
  bad((b) => { delete b.verificationMaterial.tlogEntries[0].inclusionProof; }, /inclusionProof/);
  bad((b) => { delete b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint; }, /checkpoint/);
  bad((b) => { b.verificationMaterial.x509CertificateChain = { certificates: [b.verificationMaterial.certificate] }; delete b.verificationMaterial.certificate; }, /v0\.3/);
  bad((b) => { b.verificationMaterial.publicKey = { hint: 'x' }; }, /exactly one/);
  bad((b) => { b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.2'; }, /certificate needs a v0\.3/);
  bad((b) => {
    b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
    b.verificationMaterial.x509CertificateChain = { certificates: [b.verificationMaterial.certificate] };
    delete b.verificationMaterial.certificate;
    delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
  }, /inclusionPromise/);
  bad((b) => { b.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: Array.from({ length: 33 }, () => ({ signedTimestamp: 'AA==' })) }; }, /at most 32/);
  bad(() => ' '.repeat(16 * 1024 * 1024 + 1), /at most/);
});

test('parseBundle: DSSE envelopes need exactly one signature; v0.1/v0.2 chains are bounded', () => {
  bad((b) => {
    delete b.messageSignature;
    b.dsseEnvelope = { payload: 'e30=', payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: 'AA==' }, { sig: 'AQ==' }] };
  }, /exactly one signature/);
  bad((b) => {
    b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
    const c = b.verificationMaterial.certificate;
    delete b.verificationMaterial.certificate;
    b.verificationMaterial.x509CertificateChain = { certificates: Array.from({ length: 11 }, () => c) };
  }, /at most 10/);
});
