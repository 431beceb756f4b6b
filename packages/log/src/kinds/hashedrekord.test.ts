import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, randomBytes, randomInt } from 'node:crypto';
import { SigilError, canonicalJsonBytes, encodePem } from '@sigil/core';
import { canonicalLeaf, hashedRekordV001 } from './hashedrekord.js';
import { admitEntry } from './registry.js';
import { SAN_CERT_KEY_PEM, SAN_CERT_PEM, TEST_CERT_KEY_PEM, TEST_CERT_PEM } from './testdata.js';
import { b64, digestOf, hashedRekordProposal, hex, keyFromPkcs8Pem, leafHash, makeKey, readJson, vectorPath, type KeyKind } from './test-helpers.js';
import { parseSubjectAltName } from './verifier-key.js';

const sha256hex = (s: string | Buffer): string => hex(digestOf('sha256', Buffer.from(s)));

for (const [kind, alg] of [
  ['p256', 'sha256'],
  ['p256', 'sha512'],
  ['p384', 'sha384'],
  ['p521', 'sha512'],
  ['rsa2048', 'sha256'],
  ['rsa2048', 'sha384'],
  ['ed25519', 'sha512'],
] as const satisfies readonly (readonly [KeyKind, 'sha256' | 'sha384' | 'sha512'])[]) {
  void test(`hashedrekord admits a ${kind} signature over a ${alg} digest`, () => {
    const key = makeKey(kind);
    const { proposal, digest, signature } = hashedRekordProposal({ key, alg });
    const admitted = hashedRekordV001.admit(proposal);
    assert.equal(admitted.kind, 'hashedrekord');
    assert.equal(admitted.apiVersion, '0.0.1');
    const expected =
      `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"${alg}","value":"${hex(digest)}"}},` +
      `"signature":{"content":"${b64(signature)}","publicKey":{"content":"${b64(key.pem)}"}}}}`;
    assert.equal(admitted.canonical.toString('utf8'), expected);
    assert.deepEqual(admitted.indexKeys, [sha256hex(key.pem), `${alg}:${hex(digest)}`]);
    // The registry gives the same answer, and the leaf re-admits to itself.
    assert.deepEqual(admitEntry(proposal), admitted);
    assert.ok(admitEntry(JSON.parse(admitted.canonical.toString('utf8'))).canonical.equals(admitted.canonical));
  });
}

void test('hashedrekord admits a certificate and indexes its SANs (emails lowercased)', () => {
  const key = keyFromPkcs8Pem('p256', TEST_CERT_KEY_PEM);
  const { proposal, digest } = hashedRekordProposal({ key, pem: TEST_CERT_PEM });
  const admitted = admitEntry(proposal);
  const body = JSON.parse(admitted.canonical.toString('utf8')) as { spec: { signature: { publicKey: { content: string } } } };
  assert.equal(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString(), TEST_CERT_PEM);
  assert.deepEqual(admitted.indexKeys, [
    sha256hex(TEST_CERT_PEM),
    'alice@example.com',
    'https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main',
    `sha256:${hex(digest)}`,
  ]);
});

void test('the log does not check certificate validity windows', () => {
  const cert = new X509Certificate(SAN_CERT_PEM);
  assert.ok(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime() < 11 * 86400_000);
  const key = keyFromPkcs8Pem('p256', SAN_CERT_KEY_PEM);
  const admitted = admitEntry(hashedRekordProposal({ key, pem: SAN_CERT_PEM, artifact: Buffer.from('x') }).proposal);
  assert.deepEqual(admitted.indexKeys.slice(1, -1), [
    'example.com',
    'bob@example.com',
    '10.0.0.1',
    '2001:db8::1',
    'https://a.example/x,yz',
    'https://plain.example/a',
  ]);
});

void test('a non-canonical PEM is re-encoded in the leaf; both key hashes are indexed', () => {
  const key = makeKey('p256');
  const der = key.publicKey.export({ type: 'spki', format: 'der' });
  const sloppy = `\r\n-----BEGIN PUBLIC KEY-----\r\n${der.toString('base64')}\r\n-----END PUBLIC KEY-----`;
  const { proposal, digest } = hashedRekordProposal({ key, pem: sloppy });
  const admitted = admitEntry(proposal);
  const body = JSON.parse(admitted.canonical.toString('utf8')) as { spec: { signature: { publicKey: { content: string } } } };
  assert.equal(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString(), encodePem('PUBLIC KEY', der));
  assert.deepEqual(admitted.indexKeys, [sha256hex(sloppy), sha256hex(key.pem), `sha256:${hex(digest)}`]);
});

void test('signature content is re-encoded from its bytes, as Rekor does', () => {
  const key = makeKey('rsa2048'); // 256-byte signature: base64 ends in "x==" with 4 unused bits
  const { proposal, signature } = hashedRekordProposal({ key });
  const spec = (proposal as { spec: { signature: { content: string } } }).spec;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const text = spec.signature.content;
  assert.ok(text.endsWith('=='));
  const last = alphabet.indexOf(text.at(-3) ?? '');
  spec.signature.content = `${text.slice(0, -3)}${alphabet[last | 1]}==`;
  assert.notEqual(spec.signature.content, text);
  const body = JSON.parse(admitEntry(proposal).canonical.toString('utf8')) as { spec: { signature: { content: string } } };
  assert.equal(body.spec.signature.content, b64(signature));
});

for (const name of ['public-good', 'staging']) {
  void test(`real Rekor hashedrekord leaf (${name}) re-admits to the same bytes and UUID`, () => {
    const entries = readJson(vectorPath('rekor', `logentry-hashedrekord-${name}.json`)) as Record<string, { body: string }>;
    const [uuid, entry] = Object.entries(entries)[0]!;
    const body = Buffer.from(entry.body, 'base64');
    const admitted = admitEntry(JSON.parse(body.toString('utf8')));
    assert.ok(admitted.canonical.equals(body), 'canonical bytes equal the stored body');
    assert.equal(uuid.slice(-64), leafHash(admitted.canonical));
    assert.equal(admitted.indexKeys.length, 3);
  });
}

void test('Ed25519 with a sha256 digest is refused with a specific reason', () => {
  const key = makeKey('ed25519');
  const { proposal } = hashedRekordProposal({ key, alg: 'sha256' });
  assert.throws(() => admitEntry(proposal), (err: unknown) => {
    assert.ok(err instanceof SigilError);
    assert.equal(err.code, 'ERR_ENTRY_INVALID');
    assert.match(err.message, /Ed25519ph.*sha512/);
    return true;
  });
});

void test('RSA-1024 and secp256k1 keys are unsupported', () => {
  for (const kind of ['rsa1024', 'secp256k1'] as const) {
    const { proposal } = hashedRekordProposal({ key: makeKey(kind) });
    assert.throws(() => admitEntry(proposal), { code: 'ERR_UNSUPPORTED_KEY' });
  }
});

void test("node's subjectAltName string is parsed, quoted values included", () => {
  assert.deepEqual(parseSubjectAltName('email:a@b.c, URI:"https://x/a\\u002cb, c", DNS:d.e'), [
    { type: 'email', value: 'a@b.c' },
    { type: 'URI', value: 'https://x/a,b, c' },
    { type: 'DNS', value: 'd.e' },
  ]);
  assert.deepEqual(parseSubjectAltName(''), []);
  assert.deepEqual(parseSubjectAltName('URI:"unterminated'), []);
  assert.deepEqual(parseSubjectAltName('email:a@b.c, garbage'), [{ type: 'email', value: 'a@b.c' }]);
});

void test('the leaf written out directly is exactly the JCS of the leaf object', () => {
  for (const algorithm of ['sha256', 'sha384', 'sha512'] as const) {
    for (let i = 0; i < 100; i++) {
      const value = randomBytes(randomInt(0, 65)).toString('hex');
      const [signature, pem] = [randomBytes(randomInt(0, 600)), randomBytes(randomInt(0, 3000))];
      const expected = canonicalJsonBytes({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: { data: { hash: { algorithm, value } }, signature: { content: signature.toString('base64'), publicKey: { content: pem.toString('base64') } } },
      });
      assert.deepEqual(canonicalLeaf(algorithm, value, signature, pem), expected);
    }
  }
  assert.throws(() => canonicalLeaf('sha256', 'AB', Buffer.alloc(1), Buffer.alloc(1)), RangeError);
  assert.throws(() => canonicalLeaf('md5' as 'sha256', 'ab', Buffer.alloc(1), Buffer.alloc(1)), RangeError);
});
