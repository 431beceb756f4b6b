import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigilError } from '@sigil/core';
import { intotoV002 } from './intoto.js';
import { admitEntry, describeBody } from './registry.js';
import { TEST_CERT_KEY_PEM, TEST_CERT_PEM } from './testdata.js';
import { b64, digestOf, envelopeFor, hex, intotoProposal, keyFromPkcs8Pem, leafHash, makeKey, readJson, statement, vectorPath } from './test-helpers.js';

const sha256hex = (s: string | Buffer): string => hex(digestOf('sha256', Buffer.from(s)));

interface IntotoLeaf {
  apiVersion: string;
  kind: string;
  spec: {
    content: {
      envelope: { payloadType: string; payload?: string; signatures: { keyid?: string; publicKey: string; sig: string }[] };
      hash: { algorithm: string; value: string };
      payloadHash: { algorithm: string; value: string };
    };
  };
}

/** Every key path of a JSON value, arrays collapsed to `[]`. */
function shape(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return [`${at}[]`, ...v.flatMap((x) => shape(x, `${at}[]`))];
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...shape(x, `${at}.${k}`)]);
  return [];
}

const vectorEntry = (): { uuid: string; body: Buffer } => {
  const entries = readJson(vectorPath('rekor', 'logentry-intoto-public-good.json')) as Record<string, { body: string }>;
  const [uuid, entry] = Object.entries(entries)[0]!;
  return { uuid, body: Buffer.from(entry.body, 'base64') };
};

void test('the real intoto leaf parses as a payload-less intoto v0.0.2 body and cannot be re-admitted', () => {
  const { uuid, body } = vectorEntry();
  assert.deepEqual(describeBody(body), { kind: 'intoto', apiVersion: '0.0.2' });
  assert.equal(uuid, leafHash(body));
  const leaf = JSON.parse(body.toString('utf8')) as IntotoLeaf;
  assert.equal(leaf.spec.content.envelope.payload, undefined);
  assert.equal(leaf.spec.content.envelope.signatures.length, 1);
  assert.throws(() => admitEntry(leaf), (err: unknown) => {
    assert.ok(err instanceof SigilError);
    assert.equal(err.code, 'ERR_ENTRY_INVALID');
    assert.match(err.message, /spec\.content\.envelope\.payload is missing/);
    return true;
  });
});

/** Rebuild the intoto proposal a client sent from a bundle's DSSE envelope and its leaf. */
function proposalFromBundle(name: string): { proposal: unknown; body: Buffer } {
  const bundle = readJson(vectorPath('bundles', name, 'bundle.sigstore.json')) as {
    dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
    verificationMaterial: { tlogEntries: { canonicalizedBody: string }[] };
  };
  const body = Buffer.from(bundle.verificationMaterial.tlogEntries[0]!.canonicalizedBody, 'base64');
  const leaf = JSON.parse(body.toString('utf8')) as IntotoLeaf;
  const env = bundle.dsseEnvelope;
  const proposal = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: env.payloadType,
          payload: b64(env.payload),
          signatures: env.signatures.map((s, i) => ({
            ...(s.keyid ? { keyid: s.keyid } : {}),
            sig: b64(s.sig),
            publicKey: leaf.spec.content.envelope.signatures[i]!.publicKey,
          })),
        },
        hash: leaf.spec.content.hash,
      },
    },
  };
  return { proposal, body };
}

void test('real intoto entries rebuilt from their bundles canonicalize to the exact Rekor leaf', () => {
  const { uuid, body: vectorBody } = vectorEntry();
  const { proposal, body } = proposalFromBundle('v0.1-dsse-intoto-public-good');
  assert.ok(body.equals(vectorBody));
  const admitted = admitEntry(proposal);
  assert.ok(admitted.canonical.equals(body));
  assert.equal(leafHash(admitted.canonical), uuid);
  assert.ok(admitted.indexKeys.includes('brian@dehamer.com'));
  assert.ok(admitted.indexKeys.some((k) => k.startsWith('sha512:')));

  // sigstore-js sent its certificate PEM without a final newline; Rekor stored it as sent.
  const npm = proposalFromBundle('v0.1-dsse-npm-provenance-public-good');
  assert.ok(admitEntry(npm.proposal).canonical.equals(npm.body));
});

void test('a fresh intoto proposal round-trips: payload dropped, hashes and keys kept', () => {
  const key = makeKey('p256');
  const payload = statement([{ name: 'app.tgz', digest: { sha256: 'b'.repeat(64) } }]);
  const envelope = envelopeFor([key], payload);
  envelope.signatures[0]!.keyid = 'my-key';
  const proposal = intotoProposal(envelope, [key.pem]);
  const admitted = intotoV002.admit(proposal);
  const leaf = JSON.parse(admitted.canonical.toString('utf8')) as IntotoLeaf;
  const sent = (proposal as { spec: { content: { hash: { value: string } } } }).spec.content.hash.value;
  assert.deepEqual(leaf, {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: 'application/vnd.in-toto+json',
          signatures: [{ keyid: 'my-key', publicKey: b64(key.pem), sig: b64(envelope.signatures[0]!.sig) }],
        },
        hash: { algorithm: 'sha256', value: sent },
        payloadHash: { algorithm: 'sha256', value: sha256hex(payload) },
      },
    },
  });
  assert.deepEqual(shape(leaf).filter((p) => !p.includes('keyid')), shape(JSON.parse(vectorEntry().body.toString('utf8'))));
  assert.deepEqual(admitted.indexKeys, [`sha256:${sha256hex(key.pem)}`, `sha256:${sha256hex(payload)}`, `sha256:${'b'.repeat(64)}`]);

  // A correct payloadHash in the proposal is accepted; a wrong one is refused.
  const content = (proposal as { spec: { content: Record<string, unknown> } }).spec.content;
  content.payloadHash = { algorithm: 'sha256', value: sha256hex(payload) };
  assert.ok(admitEntry(proposal).canonical.equals(admitted.canonical));
  content.payloadHash = { algorithm: 'sha256', value: 'c'.repeat(64) };
  assert.throws(() => admitEntry(proposal), { code: 'ERR_ENTRY_INVALID' });
});

void test('intoto with a certificate and an Ed25519 key', () => {
  const certKey = keyFromPkcs8Pem('p256', TEST_CERT_KEY_PEM);
  const edKey = makeKey('ed25519');
  const payload = statement([]);
  const envelope = envelopeFor([certKey, edKey], payload);
  const admitted = admitEntry(intotoProposal(envelope, [TEST_CERT_PEM, edKey.pem]));
  assert.deepEqual(admitted.indexKeys.slice(0, 4), [
    `sha256:${sha256hex(TEST_CERT_PEM)}`,
    'alice@example.com',
    'https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main',
    `sha256:${sha256hex(edKey.pem)}`,
  ]);
});

void test('intoto refuses signatures swapped between keys and single-base64 fields', () => {
  const k1 = makeKey('p256');
  const k2 = makeKey('p256');
  const envelope = envelopeFor([k1], statement([]));
  assert.throws(() => admitEntry(intotoProposal(envelope, [k2.pem])), { code: 'ERR_ENTRY_SIGNATURE' });

  const proposal = intotoProposal(envelope, [k1.pem]) as { spec: { content: { envelope: { payload: string } } } };
  proposal.spec.content.envelope.payload = envelope.payload; // forgot the second base64 layer
  assert.throws(() => admitEntry(proposal), (err: unknown) => {
    assert.ok(err instanceof SigilError);
    assert.equal(err.code, 'ERR_ENCODING');
    assert.match(err.message, /spec\.content\.envelope\.payload/);
    return true;
  });
});
