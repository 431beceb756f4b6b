import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, scryptSync, sign, verify, type KeyObject } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { decodePem, encodePem } from '@sigil/core';
import { decryptCosignKey, encryptCosignKey, generateCosignKeyPair, COSIGN_KEY_LABEL, LEGACY_COSIGN_KEY_LABEL, MAX_KEY_FILE_BYTES } from './index.js';
import { loadPublicKey } from './public-key.js';
import { throwsSigil } from '../test-support.js';

// The upstream vectors are in cosign-key-vectors.test.ts (a separate file so the two
// scrypt-heavy halves run in parallel).


const spki = (k: KeyObject): Buffer => (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' });

// ---- writing ------------------------------------------------------------------------------

/** Open a file by hand (scrypt + secretbox), independent of the code under test. */
function openByHand(pem: string, password: string): { doc: Record<string, any>; plaintext: Buffer } {
  const doc = JSON.parse(decodePem(pem, [COSIGN_KEY_LABEL]).der.toString('utf8')) as Record<string, any>;
  const { N, r, p } = doc.kdf.params;
  const key = scryptSync(password, Buffer.from(doc.kdf.salt, 'base64'), 32, { N, r, p, maxmem: 256 * 2 ** 20 });
  const plaintext = xsalsa20poly1305(key, Buffer.from(doc.cipher.nonce, 'base64')).decrypt(Buffer.from(doc.ciphertext, 'base64'));
  return { doc, plaintext: Buffer.from(plaintext) };
}

test('encrypt: P-256 written exactly as cosign writes it, and read back', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = encryptCosignKey(privateKey, 'correct horse');
  assert.match(pem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  assert.match(pem, /\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n$/);
  for (const line of pem.split('\n').slice(1, -2)) assert.ok(line.length <= 64 && line.length > 0, 'Go pem line width');
  const { doc, plaintext } = openByHand(pem, 'correct horse');
  assert.deepEqual(Object.keys(doc), ['kdf', 'cipher', 'ciphertext']);
  assert.deepEqual(Object.keys(doc.kdf), ['name', 'params', 'salt']);
  assert.deepEqual(doc.kdf.params, { N: 65536, r: 8, p: 1 });
  assert.deepEqual(Object.keys(doc.kdf.params), ['N', 'r', 'p']);
  assert.equal(doc.kdf.name, 'scrypt');
  assert.equal(Buffer.from(doc.kdf.salt, 'base64').length, 32);
  assert.deepEqual(Object.keys(doc.cipher), ['name', 'nonce']);
  assert.equal(doc.cipher.name, 'nacl/secretbox');
  assert.equal(Buffer.from(doc.cipher.nonce, 'base64').length, 24);
  // Plaintext is PKCS#8 v1 (version 0), what Go's x509.ParsePKCS8PrivateKey reads.
  const start = plaintext[1]! & 0x80 ? 2 + (plaintext[1]! & 0x7f) : 2;
  assert.deepEqual(plaintext.subarray(start, start + 3), Buffer.from([0x02, 0x01, 0x00]));
  assert.deepEqual(spki(createPrivateKey({ key: plaintext, format: 'der', type: 'pkcs8' })), spki(privateKey));
  assert.deepEqual(spki(decryptCosignKey(pem, 'correct horse')), spki(privateKey));
});

test('encrypt: Ed25519 with an empty password round-trips', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = encryptCosignKey(privateKey, '');
  const back = decryptCosignKey(pem, '');
  assert.deepEqual(spki(back), spki(privateKey));
  assert.ok(verify(null, Buffer.from('m'), createPublicKey(privateKey), sign(null, Buffer.from('m'), back)));
});

test('encrypt: RSA-2048 with a byte password round-trips', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pw = new Uint8Array([0xff, 0x00, 0x80, 0x41]); // not UTF-8: bytes are passed through as they are
  assert.deepEqual(spki(decryptCosignKey(encryptCosignKey(privateKey, pw), pw)), spki(privateKey));
});

test('encrypt: refuses public keys and keys outside the supported set', () => {
  throwsSigil(() => encryptCosignKey(generateKeyPairSync('ed25519').publicKey, 'pw'), 'ERR_KEY_FORMAT', /private key/);
  throwsSigil(() => encryptCosignKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'pw'), 'ERR_KEY_FORMAT', /curve/);
  throwsSigil(() => encryptCosignKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'pw'), 'ERR_KEY_FORMAT', /1024-bit/);
  throwsSigil(() => encryptCosignKey(generateKeyPairSync('x25519').privateKey, 'pw'), 'ERR_KEY_FORMAT', /x25519/);
  throwsSigil(() => encryptCosignKey(generateKeyPairSync('ed448').privateKey, 'pw'), 'ERR_KEY_FORMAT', /ed448/);
});

test('generateCosignKeyPair: P-256, SPKI public key, private key file decrypts to it', () => {
  const pair = generateCosignKeyPair('pw');
  assert.equal(pair.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.deepEqual(spki(loadPublicKey(pair.publicKeyPem)), spki(pair.publicKey));
  assert.deepEqual(spki(decryptCosignKey(pair.privateKeyPem, 'pw')), spki(pair.publicKey));
});

// ---- hostile and broken files (cheap scrypt settings; N=2^10 is within the limits) ----------

interface SealOptions {
  label?: string;
  N?: number;
  r?: number;
  p?: number;
  /** Edit the JSON document before it is encoded. */
  edit?: (doc: Record<string, any>) => void;
}

/** A cosign-format file built by hand, so each field can be broken on its own. */
function seal(plaintext: Buffer, password: string, o: SealOptions = {}): string {
  const salt = Buffer.alloc(32, 7);
  const nonce = Buffer.alloc(24, 9);
  const params = { N: o.N ?? 1024, r: o.r ?? 8, p: o.p ?? 1 };
  const key = scryptSync(password, salt, 32, { ...params, maxmem: 256 * 2 ** 20 });
  const doc: Record<string, any> = {
    kdf: { name: 'scrypt', params, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(xsalsa20poly1305(key, nonce).encrypt(plaintext)).toString('base64'),
  };
  o.edit?.(doc);
  return encodePem(o.label ?? COSIGN_KEY_LABEL, Buffer.from(JSON.stringify(doc)));
}

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p256Pkcs8 = p256.privateKey.export({ type: 'pkcs8', format: 'der' });

test('decrypt: both labels, parameters read from the file', () => {
  assert.deepEqual(spki(decryptCosignKey(seal(p256Pkcs8, 'pw'), 'pw')), spki(p256.publicKey));
  assert.deepEqual(spki(decryptCosignKey(seal(p256Pkcs8, 'pw', { label: LEGACY_COSIGN_KEY_LABEL, N: 2048, r: 4, p: 2 }), 'pw')), spki(p256.publicKey));
});

test('decrypt: wrong password, empty password, flipped bytes → ERR_KEY_PASSWORD', () => {
  const good = seal(p256Pkcs8, 'pw');
  throwsSigil(() => decryptCosignKey(good, 'Pw'), 'ERR_KEY_PASSWORD', /wrong password/);
  throwsSigil(() => decryptCosignKey(good, ''), 'ERR_KEY_PASSWORD');
  const flip = (field: 'ciphertext' | 'nonce' | 'salt', at: number) => (doc: Record<string, any>) => {
    const holder = field === 'ciphertext' ? doc : field === 'nonce' ? doc.cipher : doc.kdf;
    const bytes = Buffer.from(holder[field], 'base64');
    bytes[at]! ^= 0x01;
    holder[field] = bytes.toString('base64');
  };
  throwsSigil(() => decryptCosignKey(seal(p256Pkcs8, 'pw', { edit: flip('ciphertext', 0) }), 'pw'), 'ERR_KEY_PASSWORD'); // in the tag
  throwsSigil(() => decryptCosignKey(seal(p256Pkcs8, 'pw', { edit: flip('ciphertext', 40) }), 'pw'), 'ERR_KEY_PASSWORD'); // in the body
  throwsSigil(() => decryptCosignKey(seal(p256Pkcs8, 'pw', { edit: flip('nonce', 23) }), 'pw'), 'ERR_KEY_PASSWORD');
  throwsSigil(() => decryptCosignKey(seal(p256Pkcs8, 'pw', { edit: flip('salt', 0) }), 'pw'), 'ERR_KEY_PASSWORD');
  throwsSigil(() => decryptCosignKey(good, 'x'.repeat(4097)), 'ERR_KEY_PASSWORD', /longer than/);
});

test('decrypt: scrypt cost outside the limits is refused before any work', () => {
  const withParams = (params: Record<string, unknown>): string => seal(p256Pkcs8, 'pw', { edit: (d) => void (d.kdf.params = params) });
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ N: 2 ** 21, r: 8, p: 1 }, /N above/],
    [{ N: 2 ** 40, r: 8, p: 1 }, /N above/],
    [{ N: 3000, r: 8, p: 1 }, /power of two/],
    [{ N: 1, r: 8, p: 1 }, /power of two/],
    [{ N: 0, r: 8, p: 1 }, /power of two/],
    [{ N: -1024, r: 8, p: 1 }, /power of two/],
    [{ N: 1024, r: 33, p: 1 }, /r must be/],
    [{ N: 1024, r: 0, p: 1 }, /r must be/],
    [{ N: 1024, r: 8, p: 17 }, /p must be/],
    [{ N: 1024, r: 8, p: 0 }, /p must be/],
    [{ N: 2 ** 20, r: 8, p: 1 }, /MiB/], // 1 GiB
    [{ N: 2 ** 20, r: 32, p: 1 }, /MiB/], // 4 GiB: each field alone is within its cap
    [{ N: 2 ** 17, r: 8, p: 16 }, /too much work/],
    [{ N: 1024.5, r: 8, p: 1 }, /not an integer/],
    [{ N: '1024', r: 8, p: 1 }, /not an integer/],
    [{ N: 1024, r: 8 }, /lacks the field "p"/],
    [{ N: 1024, r: 8, p: 1, maxmem: 1 }, /unexpected field "maxmem"/],
  ];
  const started = process.hrtime.bigint();
  for (const [params, message] of cases) throwsSigil(() => decryptCosignKey(withParams(params), 'pw'), 'ERR_KEY_FORMAT', message);
  // Building the files costs the scrypt runs (N=1024); refusing them must cost almost nothing more.
  assert.ok(process.hrtime.bigint() - started < 3_000_000_000n);
});

test('decrypt: malformed JSON, fields and base64 → ERR_KEY_FORMAT', () => {
  const body = (json: string): string => encodePem(COSIGN_KEY_LABEL, Buffer.from(json));
  throwsSigil(() => decryptCosignKey(body('{"kdf":'), 'pw'), 'ERR_KEY_FORMAT', /not JSON/);
  throwsSigil(() => decryptCosignKey(body('[]'), 'pw'), 'ERR_KEY_FORMAT', /not a JSON object/);
  throwsSigil(() => decryptCosignKey(encodePem(COSIGN_KEY_LABEL, Buffer.from([0x7b, 0xff, 0x7d])), 'pw'), 'ERR_KEY_FORMAT', /not JSON/);
  const broken: Array<[(d: Record<string, any>) => void, RegExp]> = [
    [(d) => void (d.kdf.name = 'argon2id'), /unsupported kdf "argon2id"/],
    [(d) => void (d.cipher.name = 'aes-256-gcm'), /unsupported cipher/],
    [(d) => void delete d.ciphertext, /lacks the field "ciphertext"/],
    [(d) => void (d.extra = 1), /unexpected field "extra"/],
    [(d) => void (d.KDF = d.kdf), /unexpected field "KDF"/],
    [(d) => void (d.kdf.salt = 'not base64!'), /kdf.salt is not valid base64/],
    [(d) => void (d.kdf.salt = 123), /kdf.salt is not a string/],
    [(d) => void (d.kdf.salt = 'AAAA'), /kdf.salt is 3 bytes/],
    [(d) => void (d.cipher.nonce = Buffer.alloc(23).toString('base64')), /nonce is 23 bytes/],
    [(d) => void (d.cipher.nonce = Buffer.alloc(32).toString('base64')), /nonce is 32 bytes/],
    [(d) => void (d.cipher = null), /cipher is not a JSON object/],
    [(d) => void (d.ciphertext = d.ciphertext.slice(0, -1)), /ciphertext is not valid base64/],
    [(d) => void (d.ciphertext = Buffer.alloc(16).toString('base64')), /too short/],
  ];
  for (const [edit, message] of broken) throwsSigil(() => decryptCosignKey(seal(p256Pkcs8, 'pw', { edit }), 'pw'), 'ERR_KEY_FORMAT', message);
});

test('decrypt: wrong PEM labels and non-PEM input → ERR_KEY_FORMAT', () => {
  const file = seal(p256Pkcs8, 'pw');
  const relabel = (label: string): string => file.replaceAll(COSIGN_KEY_LABEL, label);
  throwsSigil(() => decryptCosignKey(relabel('ENCRYPTED PRIVATE KEY'), 'pw'), 'ERR_KEY_FORMAT', /OpenSSL-encrypted/);
  throwsSigil(() => decryptCosignKey(relabel('PRIVATE KEY'), 'pw'), 'ERR_KEY_FORMAT', /unencrypted/);
  throwsSigil(() => decryptCosignKey(relabel('PUBLIC KEY'), 'pw'), 'ERR_KEY_FORMAT', /not a private key/);
  throwsSigil(() => decryptCosignKey(relabel('ENCRYPTED SIGIL PRIVATE KEY'), 'pw'), 'ERR_KEY_FORMAT', /unsupported PEM block/);
  throwsSigil(() => decryptCosignKey('just some text', 'pw'), 'ERR_KEY_FORMAT', /not PEM/);
  throwsSigil(() => decryptCosignKey(file + file, 'pw'), 'ERR_KEY_FORMAT', /2 PEM blocks/);
  throwsSigil(() => decryptCosignKey(file.replace(/\n(?=[A-Za-z0-9])/, '\n!'), 'pw'), 'ERR_KEY_FORMAT', /base64/);
  throwsSigil(() => decryptCosignKey(file + ' '.repeat(MAX_KEY_FILE_BYTES), 'pw'), 'ERR_KEY_FORMAT', /larger than 64 KiB/);
  throwsSigil(() => decryptCosignKey(Buffer.alloc(MAX_KEY_FILE_BYTES + 1, 0x20), 'pw'), 'ERR_KEY_FORMAT', /larger than 64 KiB/);
});

test('decrypt: plaintext that is not an acceptable PKCS#8 key → ERR_KEY_FORMAT', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const plaintexts: Array<[Buffer, RegExp]> = [
    [p256.privateKey.export({ type: 'sec1', format: 'der' }), /SEC1/],
    [rsa.export({ type: 'pkcs1', format: 'der' }), /PKCS#1/],
    [Buffer.from('hello'), /not a PKCS#8/],
    [Buffer.concat([p256Pkcs8, Buffer.from([0])]), /not a PKCS#8/],
    [generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'der' }), /1024-bit/],
    [generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'der' }), /curve/],
    [generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'der' }), /x25519/],
  ];
  for (const [plaintext, message] of plaintexts) throwsSigil(() => decryptCosignKey(seal(plaintext, 'pw'), 'pw'), 'ERR_KEY_FORMAT', message);
});

test('decrypt: PKCS#8 v2 (RFC 5958) Ed25519 as ring writes it; a foreign public key is refused', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const v1 = privateKey.export({ type: 'pkcs8', format: 'der' }); // 48 bytes: 30 2e 02 01 00 <alg> <key>
  const raw = spki(publicKey).subarray(-32);
  const v2 = (pub: Buffer): Buffer => Buffer.concat([Buffer.from([0x30, 0x51, 0x02, 0x01, 0x01]), v1.subarray(5), Buffer.from([0x81, 0x21, 0x00]), pub]);
  assert.equal(v2(raw).length, 83);
  assert.deepEqual(spki(decryptCosignKey(seal(v2(raw), 'pw'), 'pw')), spki(publicKey));
  const other = spki(generateKeyPairSync('ed25519').publicKey).subarray(-32);
  throwsSigil(() => decryptCosignKey(seal(v2(other), 'pw'), 'pw'), 'ERR_KEY_FORMAT', /does not belong/);
  // A public key field is only allowed in version 1.
  const v0WithPub = Buffer.concat([Buffer.from([0x30, 0x51]), v1.subarray(2), Buffer.from([0x81, 0x21, 0x00]), raw]);
  throwsSigil(() => decryptCosignKey(seal(v0WithPub, 'pw'), 'pw'), 'ERR_KEY_FORMAT', /not a PKCS#8/);
});
