import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigilError } from '@sigil/core';
import { dsseV001, pae } from './dsse.js';
import { admitEntry } from './registry.js';
import { TEST_CERT_KEY_PEM, TEST_CERT_PEM } from './testdata.js';
import {
  IN_TOTO, b64, digestOf, dsseProposal, envelopeFor, hex, keyFromPkcs8Pem, makeKey, readJson, signDsse, statement, vectorPath, type KeyKind,
} from './test-helpers.js';

const sha256hex = (s: string | Buffer): string => hex(digestOf('sha256', Buffer.from(s)));

interface DsseLeaf {
  apiVersion: string;
  kind: string;
  spec: {
    envelopeHash: { algorithm: string; value: string };
    payloadHash: { algorithm: string; value: string };
    signatures: { signature: string; verifier: string }[];
  };
}

const leafOf = (canonical: Buffer): DsseLeaf => JSON.parse(canonical.toString('utf8')) as DsseLeaf;

void test('PAE is exactly the DSSE v1 pre-authentication encoding', () => {
  assert.equal(pae(IN_TOTO, Buffer.from('hello')).toString(), 'DSSEv1 28 application/vnd.in-toto+json 5 hello');
  assert.equal(pae('', Buffer.alloc(0)).toString(), 'DSSEv1 0  0 ');
  // Lengths count bytes, not characters.
  assert.equal(pae('tÿpe', Buffer.from('é')).toString(), 'DSSEv1 5 tÿpe 2 é');
});

for (const kind of ['p256', 'p384', 'p521', 'rsa2048', 'ed25519'] as const satisfies readonly KeyKind[]) {
  void test(`dsse admits an envelope signed with ${kind}`, () => {
    const key = makeKey(kind);
    const payload = statement([{ name: 'a.txt', digest: { sha256: 'a'.repeat(64) } }]);
    const envelope = JSON.stringify(envelopeFor([key], payload));
    const admitted = dsseV001.admit(dsseProposal(envelope, [key.pem]));
    const sig = (JSON.parse(envelope) as { signatures: { sig: string }[] }).signatures[0]!.sig;
    const expected =
      `{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":"${sha256hex(envelope)}"},` +
      `"payloadHash":{"algorithm":"sha256","value":"${sha256hex(payload)}"},"signatures":[{"signature":"${sig}","verifier":"${b64(key.pem)}"}]}}`;
    assert.equal(admitted.canonical.toString('utf8'), expected);
    assert.deepEqual(admitted.indexKeys, [
      `sha256:${sha256hex(key.pem)}`,
      `sha256:${sha256hex(payload)}`,
      `sha256:${sha256hex(envelope)}`,
      `sha256:${'a'.repeat(64)}`,
    ]);
  });
}

void test('dsse accepts P-384 signatures made with SHA-256, as Rekor v1 verifies them', () => {
  const key = makeKey('p384');
  const payload = Buffer.from('{}');
  const envelope = { payload: b64(payload), payloadType: 'text/plain', signatures: [{ sig: b64(signDsse(key, 'text/plain', payload, 'sha256')) }] };
  assert.equal(admitEntry(dsseProposal(envelope, [key.pem])).kind, 'dsse');
});

void test('dsse with a certificate verifier indexes its SANs and stores the canonical PEM', () => {
  const key = keyFromPkcs8Pem('p256', TEST_CERT_KEY_PEM);
  const payload = Buffer.from('not in-toto');
  const envelope = envelopeFor([key], payload, 'text/plain');
  // Submitted without the final newline; the leaf carries the canonical PEM.
  const admitted = admitEntry(dsseProposal(envelope, [TEST_CERT_PEM.trimEnd()]));
  const leaf = leafOf(admitted.canonical);
  assert.equal(Buffer.from(leaf.spec.signatures[0]!.verifier, 'base64').toString(), TEST_CERT_PEM);
  assert.deepEqual(admitted.indexKeys, [
    `sha256:${sha256hex(TEST_CERT_PEM)}`,
    'alice@example.com',
    'https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main',
    `sha256:${sha256hex(payload)}`,
    `sha256:${sha256hex(JSON.stringify(envelope))}`,
  ]);
});

void test('two signatures by two keys: each matched to its verifier, sorted by signature', () => {
  const k1 = makeKey('p256');
  const k2 = makeKey('ed25519');
  const payload = statement([]);
  const envelope = envelopeFor([k1, k2], payload);
  const leaf = leafOf(admitEntry(dsseProposal(envelope, [k2.pem, k1.pem])).canonical);
  const expected = envelope.signatures
    .map((s, i) => ({ signature: s.sig, verifier: b64([k1, k2][i]!.pem) }))
    .sort((a, b) => (a.signature < b.signature ? -1 : 1));
  assert.deepEqual(leaf.spec.signatures, expected);
});

void test('the envelope hash covers the envelope string exactly as submitted', () => {
  const key = makeKey('p256');
  const envelope = envelopeFor([key], Buffer.from('x'), 'text/plain');
  const compact = JSON.stringify(envelope);
  const pretty = JSON.stringify(envelope, null, 2);
  const a = leafOf(admitEntry(dsseProposal(compact, [key.pem])).canonical);
  const b = leafOf(admitEntry(dsseProposal(pretty, [key.pem])).canonical);
  assert.equal(a.spec.envelopeHash.value, sha256hex(compact));
  assert.equal(b.spec.envelopeHash.value, sha256hex(pretty));
  assert.equal(a.spec.payloadHash.value, b.spec.payloadHash.value);
});

void test('duplicate signature strings collapse into one leaf signature', () => {
  const key = makeKey('p256');
  const envelope = envelopeFor([key], Buffer.from('x'), 'text/plain');
  envelope.signatures.push({ ...envelope.signatures[0]! });
  assert.equal(leafOf(admitEntry(dsseProposal(envelope, [key.pem])).canonical).spec.signatures.length, 1);
});

void test('in-toto subject index keys are bounded', () => {
  const key = makeKey('p256');
  const subjects = Array.from({ length: 2000 }, (_, i) => ({ name: `f${i}`, digest: { sha256: i.toString(16).padStart(64, '0') } }));
  const admitted = admitEntry(dsseProposal(envelopeFor([key], statement(subjects)), [key.pem]));
  assert.equal(admitted.indexKeys.length, 3 + 1024);
});

void test('SLSA v0.2 materials are indexed like subjects; bad subjects are skipped', () => {
  const key = makeKey('p256');
  const payload = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      subject: [{ name: 'x', digest: { SHA256: 'AB'.repeat(32) } }, { name: 'y', digest: 'nope' }, 7],
      predicate: { materials: [{ uri: 'git+https://x', digest: { sha1: 'c'.repeat(40) } }] },
    }),
  );
  const admitted = admitEntry(dsseProposal(envelopeFor([key], payload), [key.pem]));
  assert.deepEqual(admitted.indexKeys.slice(3), [`sha256:${'ab'.repeat(32)}`, `sha1:${'c'.repeat(40)}`]);
});

void test('real public-good DSSE envelopes admit as dsse entries with their certificates', () => {
  for (const name of ['v0.1-dsse-intoto-public-good', 'v0.1-dsse-npm-provenance-public-good']) {
    const bundle = readJson(vectorPath('bundles', name, 'bundle.sigstore.json')) as {
      dsseEnvelope: unknown;
      verificationMaterial: { tlogEntries: { canonicalizedBody: string }[] };
    };
    const body = JSON.parse(Buffer.from(bundle.verificationMaterial.tlogEntries[0]!.canonicalizedBody, 'base64').toString()) as {
      spec: { content: { payloadHash: { value: string }; envelope: { signatures: { publicKey: string }[] } } };
    };
    const certPem = Buffer.from(body.spec.content.envelope.signatures[0]!.publicKey, 'base64').toString();
    const admitted = admitEntry(dsseProposal(JSON.stringify(bundle.dsseEnvelope), [certPem]));
    const leaf = leafOf(admitted.canonical);
    assert.equal(leaf.spec.payloadHash.value, body.spec.content.payloadHash.value);
    assert.ok(admitted.indexKeys.some((k) => k.startsWith('sha512:')), 'subject digest indexed');
  }
});

void test('a flipped signature byte is refused with ERR_ENTRY_SIGNATURE naming the field', () => {
  const key = makeKey('p256');
  const envelope = envelopeFor([key], Buffer.from('x'), 'text/plain');
  const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
  sig[10] = (sig[10] ?? 0) ^ 0x01;
  envelope.signatures[0]!.sig = b64(sig);
  assert.throws(() => admitEntry(dsseProposal(envelope, [key.pem])), (err: unknown) => {
    assert.ok(err instanceof SigilError);
    assert.equal(err.code, 'ERR_ENTRY_SIGNATURE');
    assert.match(err.message, /spec\.proposedContent\.envelope\.signatures\[0\]\.sig/);
    return true;
  });
});
