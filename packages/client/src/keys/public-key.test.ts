import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SigilError, encodePem } from '@sigil/core';
import { makeCert, T0, HOUR, throwsSigil } from '../test-support.js';
import { importPrivateKey, loadPrivateKey, loadPublicKey } from './index.js';
import { vectorsDir } from '@sigil/core/test-support';

const read = (f: string): Buffer => readFileSync(path.join(vectorsDir('cosign-keys'), f));


const spki = (k: KeyObject): Buffer => (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' });
const pem = (k: KeyObject, type: 'spki' | 'pkcs8' | 'sec1' | 'pkcs1'): string => k.export({ type, format: 'pem' } as never) as unknown as string;

// ---- loadPublicKey ------------------------------------------------------------------------

test('loadPublicKey: SPKI PEM of every supported algorithm', () => {
  for (const f of ['cosign-go.sigstore-label.pub', 'sigstore-rs-ed25519.sigstore-label.pub', 'sigstore-rs-rsa.sigstore-label.pub']) {
    const key = loadPublicKey(read(f));
    assert.equal(key.type, 'public');
  }
  for (const curve of ['P-384', 'P-521']) {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    assert.deepEqual(spki(loadPublicKey(pem(publicKey, 'spki'))), spki(publicKey));
  }
});

test('loadPublicKey: PKCS#1 RSA PUBLIC KEY, which cosign also reads', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.deepEqual(spki(loadPublicKey(pem(publicKey, 'pkcs1'))), spki(publicKey));
});

test('loadPublicKey: a certificate gives its subject key', () => {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = makeCert({ subject: 'leaf', issuer: 'ca', key: leaf.publicKey, signer: ca.privateKey, notBefore: T0, notAfter: T0 + HOUR });
  assert.deepEqual(spki(loadPublicKey(encodePem('CERTIFICATE', der))), spki(leaf.publicKey));
  throwsSigil(() => loadPublicKey(encodePem('CERTIFICATE', der.subarray(0, -3))), 'ERR_KEY_FORMAT', /cannot be parsed/);
});

test('loadPublicKey: private keys are refused, even unencrypted', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  throwsSigil(() => loadPublicKey(pem(privateKey, 'pkcs8')), 'ERR_KEY_FORMAT', /got a private key/);
  throwsSigil(() => loadPublicKey(pem(privateKey, 'sec1')), 'ERR_KEY_FORMAT', /got a private key/);
  throwsSigil(() => loadPublicKey(read('cosign-go.sigstore-label.key')), 'ERR_KEY_FORMAT', /got a private key/);
});

test('loadPublicKey: anything else → ERR_KEY_FORMAT', () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const good = pem(publicKey, 'spki');
  throwsSigil(() => loadPublicKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB'), 'ERR_KEY_FORMAT', /not PEM/);
  throwsSigil(() => loadPublicKey(good + good), 'ERR_KEY_FORMAT', /2 PEM blocks/);
  throwsSigil(() => loadPublicKey(good.replaceAll('PUBLIC KEY', 'SIGNATURE')), 'ERR_KEY_FORMAT', /unsupported PEM block "SIGNATURE"/);
  throwsSigil(() => loadPublicKey(encodePem('PUBLIC KEY', Buffer.from('not der'))), 'ERR_KEY_FORMAT', /cannot be parsed/);
  throwsSigil(() => loadPublicKey(good + '\n'.repeat(64 * 1024)), 'ERR_KEY_FORMAT', /larger than 64 KiB/);
  throwsSigil(() => loadPublicKey(pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, 'spki')), 'ERR_KEY_FORMAT', /1024-bit/);
  throwsSigil(() => loadPublicKey(pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, 'spki')), 'ERR_KEY_FORMAT', /curve/);
  throwsSigil(() => loadPublicKey(pem(generateKeyPairSync('x25519').publicKey, 'spki')), 'ERR_KEY_FORMAT', /x25519/);
});

// ---- loadPrivateKey -----------------------------------------------------------------------

test('loadPrivateKey: a cosign key file with its password', () => {
  const key = loadPrivateKey(read('sigstore-rs-ecdsa.cosign-label.key'), '123');
  assert.deepEqual(spki(key), spki(loadPublicKey(read('sigstore-rs-ecdsa.cosign-label.pub'))));
});

test('loadPrivateKey: no password for an encrypted key → ERR_KEY_PASSWORD; unencrypted keys are refused as cosign refuses them', () => {
  throwsSigil(() => loadPrivateKey(read('sigstore-rs-ecdsa.cosign-label.key')), 'ERR_KEY_PASSWORD', /no password/);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  for (const type of ['pkcs8', 'sec1'] as const) {
    assert.throws(
      () => loadPrivateKey(pem(privateKey, type)),
      (err: unknown) => err instanceof SigilError && err.code === 'ERR_KEY_FORMAT' && /unencrypted/.test(err.message) && /import-key-pair/.test(err.hint ?? ''),
    );
  }
  throwsSigil(() => loadPrivateKey(pem(publicKey, 'spki'), 'pw'), 'ERR_KEY_FORMAT', /not a private key/);
  throwsSigil(() => loadPrivateKey('', 'pw'), 'ERR_KEY_FORMAT', /not PEM/);
});

// ---- importPrivateKey ---------------------------------------------------------------------

test('importPrivateKey: PKCS#8, SEC1 and PKCS#1, as cosign import-key-pair accepts', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.deepEqual(spki(importPrivateKey(pem(ec.privateKey, 'pkcs8'))), spki(ec.publicKey));
  assert.deepEqual(spki(importPrivateKey(pem(ec.privateKey, 'sec1'))), spki(ec.publicKey));
  assert.deepEqual(spki(importPrivateKey(pem(ed.privateKey, 'pkcs8'))), spki(ed.publicKey));
  assert.deepEqual(spki(importPrivateKey(pem(rsa.privateKey, 'pkcs1'))), spki(rsa.publicKey));
  assert.deepEqual(spki(importPrivateKey(Buffer.from(pem(rsa.privateKey, 'pkcs8')))), spki(rsa.publicKey));
  // ring's PKCS#8 v2 form for Ed25519.
  const v1 = ed.privateKey.export({ type: 'pkcs8', format: 'der' });
  const v2 = Buffer.concat([Buffer.from([0x30, 0x51, 0x02, 0x01, 0x01]), v1.subarray(5), Buffer.from([0x81, 0x21, 0x00]), spki(ed.publicKey).subarray(-32)]);
  assert.deepEqual(spki(importPrivateKey(encodePem('PRIVATE KEY', v2))), spki(ed.publicKey));
});

test('importPrivateKey: encrypted, public, broken or unsupported keys → ERR_KEY_FORMAT', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const opensslEncrypted = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
  throwsSigil(() => importPrivateKey(opensslEncrypted), 'ERR_KEY_FORMAT', /cannot import a "ENCRYPTED PRIVATE KEY"/);
  throwsSigil(() => importPrivateKey(read('cosign-go.sigstore-label.key')), 'ERR_KEY_FORMAT', /cannot import/);
  throwsSigil(() => importPrivateKey(pem(publicKey, 'spki')), 'ERR_KEY_FORMAT', /cannot import a "PUBLIC KEY"/);
  throwsSigil(() => importPrivateKey(encodePem('EC PRIVATE KEY', Buffer.from([0x30, 0x00]))), 'ERR_KEY_FORMAT', /cannot be parsed/);
  throwsSigil(() => importPrivateKey(encodePem('PRIVATE KEY', Buffer.from([0x30, 0x00]))), 'ERR_KEY_FORMAT', /not a PKCS#8/);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  throwsSigil(() => importPrivateKey(pem(small, 'pkcs1')), 'ERR_KEY_FORMAT', /1024-bit/);
});
