// The eight encrypted keys of ../shared/vectors/cosign-keys (cosign and sigstore-rs), run
// as cases.json says: each valid one decrypts to the key of its .pub file, whose recorded
// signature verifies; the SEC1 one is refused as cosign refuses it; any other password fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { vectorsDir } from '@sigil/core/test-support';
import { decodePem } from '@sigil/core';
import { decryptCosignKey, loadPublicKey } from './index.js';
import { throwsSigil } from '../test-support.js';

const DIR = vectorsDir('cosign-keys');
const read = (f: string): Buffer => readFileSync(path.join(DIR, f));

interface Case {
  name: string;
  privateKeyFile: string;
  pemLabel: string;
  password: string;
  kdf: { name: string; N: number; r: number; p: number };
  keyType: string;
  publicKeyFile: string;
  signature: { message: string; signatureBase64: string };
  expect: 'valid' | 'decrypt-ok-but-cosign-rejects-sec1';
}
const cases = (JSON.parse(read('cases.json').toString('utf8')) as { cases: Case[] }).cases;


/** The hash argument node:crypto wants for each vector's signature algorithm (Ed25519 is pure). */
const hashFor = (keyType: string): string | null => (keyType === 'ed25519' ? null : 'sha256');
const spki = (k: KeyObject): Buffer => (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' });

test('vectors: eight cases, as the README describes', () => {
  assert.equal(cases.length, 8);
  assert.equal(cases.filter((c) => c.expect === 'valid').length, 7);
});

for (const c of cases) {
  test(`vector ${c.name}: ${c.expect}`, () => {
    const pem = read(c.privateKeyFile);
    const block = decodePem(pem.toString('utf8'));
    assert.equal(block.type, c.pemLabel);
    const body = JSON.parse(block.der.toString('utf8')) as { kdf: { name: string; params: object } };
    assert.deepEqual({ name: body.kdf.name, ...body.kdf.params }, c.kdf, 'scrypt parameters as cases.json states them');

    if (c.expect === 'valid') {
      const key = decryptCosignKey(pem, c.password);
      const pub = loadPublicKey(read(c.publicKeyFile));
      assert.deepEqual(spki(key), spki(pub), 'decrypted key belongs to the .pub file');
      const message = Buffer.from(c.signature.message, 'utf8');
      assert.ok(verify(hashFor(c.keyType), message, pub, Buffer.from(c.signature.signatureBase64, 'base64')), 'recorded signature verifies');
      assert.ok(verify(hashFor(c.keyType), message, pub, sign(hashFor(c.keyType), message, key)), 'the decrypted key signs');
    } else {
      // Decrypts, but the plaintext is SEC1: refused as cosign's LoadPrivateKey refuses it.
      throwsSigil(() => decryptCosignKey(pem, c.password), 'ERR_KEY_FORMAT', /SEC1/);
    }
    throwsSigil(() => decryptCosignKey(pem, `${c.password}x`), 'ERR_KEY_PASSWORD', /wrong password/);
  });
}

test('vector: a password given as bytes works like the string', () => {
  const c = cases.find((x) => x.name.startsWith('cosign-go.sigstore'))!;
  const key = decryptCosignKey(read(c.privateKeyFile).toString('utf8'), new TextEncoder().encode(c.password));
  assert.deepEqual(spki(key), spki(loadPublicKey(read(c.publicKeyFile))));
});
