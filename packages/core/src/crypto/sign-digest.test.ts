import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { test } from 'node:test';
import { signDigest } from './sign-digest.js';
import { throwsSigil } from '../test-support.js';

const message = Buffer.from('a message signed through its digest');

for (const [name, alg, key] of [
  ['P-256', 'sha256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['P-384', 'sha384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ['RSA-2048', 'sha256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['RSA-2048/sha512', 'sha512', generateKeyPairSync('rsa', { modulusLength: 2048 })],
] as const) {
  test(`signDigest ${name}: node:crypto verifies it over the message`, () => {
    const sig = signDigest(key.privateKey, alg, createHash(alg).update(message).digest());
    assert.ok(verify(alg, message, key.publicKey, sig));
    assert.ok(!verify(alg, Buffer.concat([message, Buffer.from('x')]), key.publicKey, sig));
  });
}

test('signDigest refuses a public key, a wrong-length digest and Ed25519', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  throwsSigil(() => signDigest(ec.publicKey, 'sha256', Buffer.alloc(32)), 'ERR_UNSUPPORTED_KEY');
  throwsSigil(() => signDigest(ec.privateKey, 'sha256', Buffer.alloc(31)), 'ERR_BAD_REQUEST');
  throwsSigil(() => signDigest(generateKeyPairSync('ed25519').privateKey, 'sha256', Buffer.alloc(32)), 'ERR_UNSUPPORTED_KEY');
});
