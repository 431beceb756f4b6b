import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { importSpki, parsePublicKeyContent } from './proof-of-possession.js';

const spkiOf = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
const b64 = (der: Buffer) => der.toString('base64');

void test('P-256 and Ed25519 keys imported through JWK are the keys the DER decoder reads, with the same SPKI', () => {
  const kinds: Array<[string, () => KeyObject, string]> = [
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'PKIX_ECDSA_P256_SHA_256'],
    ['Ed25519', () => generateKeyPairSync('ed25519').publicKey, 'PKIX_ED25519'],
    ['P-384 (decoder)', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'PKIX_ECDSA_P384_SHA_384'],
    ['RSA-2048 (decoder)', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'PKIX_RSA_PKCS1V15_2048_SHA256'],
  ];
  for (const [name, make, details] of kinds) {
    for (let i = 0; i < (name.startsWith('RSA') ? 2 : 50); i++) {
      const key = make();
      const der = spkiOf(key);
      for (const content of [key.export({ type: 'spki', format: 'pem' }).toString(), b64(der)]) {
        const info = parsePublicKeyContent(content);
        assert.ok(info.spki.equals(der), `${name}: same SPKI`);
        assert.ok(spkiOf(info.key).equals(der), `${name}: the imported key exports the same SPKI`);
        assert.ok(info.key.equals(createPublicKey({ key: der, format: 'der', type: 'spki' })), `${name}: the same key`);
        assert.equal(info.details, details);
      }
    }
  }
});

void test('a P-256 point off the curve or out of range is refused on the JWK path as by the DER decoder', () => {
  const der = spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
  const be32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
  const y = der.subarray(59, 91);
  const bad: Record<string, Buffer> = {
    'y off by one bit': Buffer.from(der.map((b, i) => (i === 90 ? b ^ 1 : b))),
    'x = p': Buffer.concat([der.subarray(0, 27), be32(P), y]),
    'x = p + 1': Buffer.concat([der.subarray(0, 27), be32(P + 1n), y]),
    'all zero': Buffer.concat([der.subarray(0, 27), Buffer.alloc(64)]),
  };
  for (const [what, spki] of Object.entries(bad)) {
    assert.throws(() => createPublicKey({ key: spki, format: 'der', type: 'spki' }), `${what}: the decoder refuses it`);
    assert.throws(() => importSpki(spki), `${what}: so does the JWK import`);
    assert.throws(() => parsePublicKeyContent(b64(spki)), (e: unknown) => isSigilError(e) && e.code === 'ERR_CA_PUBLIC_KEY' && /not a valid PKIX SubjectPublicKeyInfo \(or a point not on its curve\)/.test(e.message), what);
  }
  // Not the exact P-256 shape (here a compressed point): the decoder decides, as before.
  const compressed = createPublicKey({ key: der, format: 'der', type: 'spki' });
  const jwk = compressed.export({ format: 'jwk' });
  const odd = Buffer.from(jwk.y!, 'base64url')[31]! & 1;
  const short = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), Buffer.from([odd ? 0x03 : 0x02]), Buffer.from(jwk.x!, 'base64url')]);
  const info = parsePublicKeyContent(b64(short));
  assert.equal(info.details, 'PKIX_ECDSA_P256_SHA_256');
  assert.ok(info.key.equals(compressed), 'a compressed point names the same key');
});
