/**
 * cosign's password-protected private key file (`cosign.key`), as written by
 * `cosign generate-key-pair` and read by `cosign sign --key`: a PEM block whose body is
 * the JSON of go-securesystemslib `encrypted.Encrypt` — scrypt derives a secretbox key
 * (XSalsa20-Poly1305) from the password, and the sealed plaintext is a PKCS#8 DER key.
 * The file is attacker-reachable input (CI secrets, copied key files), so every field is
 * checked and the scrypt cost is bounded before any work is done.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { SigilError, decodeBase64, decodePemBlocks, encodeBase64, encodePem, publicKeyToPem, type PemBlock } from '@sigil/core';
import { DerError, TAG, children, expectTag, header, readBitString, readRoot, readSmallInt, whole } from '../der.js';

/** The label cosign writes today. */
export const COSIGN_KEY_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** The label of cosign keys made before the rename; same contents, still read. */
export const LEGACY_COSIGN_KEY_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';
const COSIGN_LABELS: readonly string[] = [COSIGN_KEY_LABEL, LEGACY_COSIGN_KEY_LABEL];

/** Any key file Sigil reads (an RSA-4096 cosign key is ~4.5 KiB; a certificate a few KiB). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;
export const MAX_PASSWORD_BYTES = 4096;

/**
 * go-securesystemslib `encrypted.Encrypt` uses its "Standard" strength: N=2^16, r=8, p=1,
 * with a 32-byte salt and a 24-byte nonce. Writing exactly this keeps our files readable
 * by cosign, which accepts only (2^15|2^16|2^17, 8, 1).
 */
const WRITE_SCRYPT = { N: 65536, r: 8, p: 1 } as const;
const SALT_BYTES = 32;
const NONCE_BYTES = 24;
const SECRETBOX_KEY_BYTES = 32;
const SECRETBOX_TAG_BYTES = 16;

/**
 * What a file may ask of scrypt. Its memory is 128·N·r bytes and its time grows with
 * N·r·p, both chosen by whoever wrote the file, so each is capped on its own: the
 * per-field caps alone would still allow 4 GiB (N=2^20, r=32). cosign's strongest
 * setting (2^17, 8, 1) needs 128 MiB and 2^20 work units.
 */
export const SCRYPT_LIMITS = {
  maxN: 2 ** 20,
  maxR: 32,
  maxP: 16,
  maxMemoryBytes: 256 * 1024 * 1024,
  maxWork: 2 ** 22,
} as const;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

interface SealedKey {
  params: ScryptParams;
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
}

export type Password = string | Uint8Array;

// ---- reading ----------------------------------------------------------------------------

/**
 * Decrypt a cosign key file. Wrong password and tampered file look the same (the
 * secretbox tag fails) and both raise ERR_KEY_PASSWORD; anything malformed or
 * unsupported raises ERR_KEY_FORMAT before scrypt runs.
 */
export function decryptCosignKey(pem: string | Uint8Array, password: Password): KeyObject {
  const block = decodeKeyPem(pem, 'the private key file');
  if (!COSIGN_LABELS.includes(block.type)) throw wrongKeyLabel(block.type);
  const sealed = parseSealedKey(block.der);
  const plaintext = openSealedKey(sealed, password);
  try {
    return parsePkcs8PrivateKey(plaintext, 'the decrypted private key');
  } finally {
    plaintext.fill(0);
  }
}

/** Why a PEM block of this type is not a cosign key file, with what to do about it. */
export function wrongKeyLabel(type: string): SigilError {
  const expected = `expected "${COSIGN_KEY_LABEL}" or "${LEGACY_COSIGN_KEY_LABEL}"`;
  if (type === 'ENCRYPTED PRIVATE KEY') {
    return new SigilError('ERR_KEY_FORMAT', `the key file is an OpenSSL-encrypted PKCS#8 key, not a cosign key (${expected})`, {
      hint: 'decrypt it with `openssl pkcs8`, then convert it with `cosign import-key-pair`',
    });
  }
  if (type === 'PRIVATE KEY' || type === 'EC PRIVATE KEY' || type === 'RSA PRIVATE KEY') {
    return new SigilError('ERR_KEY_FORMAT', `the key file holds an unencrypted "${type}" (${expected})`, {
      hint: 'cosign signs only with password-protected keys: convert it with `cosign import-key-pair`',
    });
  }
  if (type.endsWith('PUBLIC KEY') || type === 'CERTIFICATE') {
    return new SigilError('ERR_KEY_FORMAT', `the key file holds a "${type}", not a private key (${expected})`);
  }
  return new SigilError('ERR_KEY_FORMAT', `unsupported PEM block "${type}" (${expected})`);
}

/** The JSON inside the PEM, checked field by field (names, types, sizes). */
function parseSealedKey(body: Uint8Array): SealedKey {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (cause) {
    throw new SigilError('ERR_KEY_FORMAT', 'the cosign key file body is not JSON', { cause });
  }
  const top = objectWith(doc, 'the cosign key', ['kdf', 'cipher', 'ciphertext']);
  const kdf = objectWith(top.kdf, 'kdf', ['name', 'params', 'salt']);
  if (kdf.name !== 'scrypt') throw formatError(`unsupported kdf ${JSON.stringify(kdf.name)} (expected "scrypt")`);
  const raw = objectWith(kdf.params, 'kdf.params', ['N', 'r', 'p']);
  const params = { N: integer(raw.N, 'kdf.params.N'), r: integer(raw.r, 'kdf.params.r'), p: integer(raw.p, 'kdf.params.p') };
  checkScryptParams(params);
  const salt = base64Field(kdf.salt, 'kdf.salt');
  if (salt.length < 16 || salt.length > 64) throw formatError(`kdf.salt is ${salt.length} bytes (expected 16 to 64; cosign writes 32)`);
  const cipher = objectWith(top.cipher, 'cipher', ['name', 'nonce']);
  if (cipher.name !== 'nacl/secretbox') throw formatError(`unsupported cipher ${JSON.stringify(cipher.name)} (expected "nacl/secretbox")`);
  const nonce = base64Field(cipher.nonce, 'cipher.nonce');
  if (nonce.length !== NONCE_BYTES) throw formatError(`cipher.nonce is ${nonce.length} bytes (expected ${NONCE_BYTES})`);
  const ciphertext = base64Field(top.ciphertext, 'ciphertext');
  if (ciphertext.length <= SECRETBOX_TAG_BYTES) throw formatError('ciphertext is too short to hold a key');
  return { params, salt, nonce, ciphertext };
}

/** Refuse a cost the file's author could use against us, before spending it. */
function checkScryptParams({ N, r, p }: ScryptParams): void {
  const L = SCRYPT_LIMITS;
  const bad = (why: string): SigilError =>
    new SigilError('ERR_KEY_FORMAT', `scrypt parameters N=${N} r=${r} p=${p} refused: ${why}`, {
      hint: 'cosign writes N=65536 r=8 p=1 (older keys: N=32768)',
    });
  if (N > L.maxN) throw bad(`N above ${L.maxN}`);
  if (N < 2 || (N & (N - 1)) !== 0) throw bad('N must be a power of two');
  if (r < 1 || r > L.maxR) throw bad(`r must be 1 to ${L.maxR}`);
  if (p < 1 || p > L.maxP) throw bad(`p must be 1 to ${L.maxP}`);
  if (128 * N * r > L.maxMemoryBytes) throw bad(`needs ${(128 * N * r) / 2 ** 20} MiB (limit ${L.maxMemoryBytes / 2 ** 20} MiB)`);
  if (N * r * p > L.maxWork) throw bad('too much work');
}

function openSealedKey(sealed: SealedKey, password: Password): Buffer {
  const key = deriveKey(password, sealed.salt, sealed.params);
  try {
    const plaintext = xsalsa20poly1305(key, sealed.nonce).decrypt(sealed.ciphertext);
    return Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  } catch (cause) {
    throw new SigilError('ERR_KEY_PASSWORD', 'wrong password for the private key (or the key file is corrupted)', {
      cause,
      hint: 'when COSIGN_PASSWORD is set, even to an empty value, it is used instead of a prompt',
    });
  } finally {
    key.fill(0);
  }
}

function deriveKey(password: Password, salt: Uint8Array, { N, r, p }: ScryptParams): Buffer {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  try {
    if (pw.byteLength > MAX_PASSWORD_BYTES) throw new SigilError('ERR_KEY_PASSWORD', `password longer than ${MAX_PASSWORD_BYTES} bytes`);
    // OpenSSL counts 128·r·(N+2) bytes for V plus 128·r·p for B; Node refuses anything over maxmem.
    const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
    return scryptSync(pw, salt, SECRETBOX_KEY_BYTES, { N, r, p, maxmem });
  } catch (cause) {
    if (cause instanceof SigilError) throw cause;
    throw new SigilError('ERR_KEY_FORMAT', `scrypt refused N=${N} r=${r} p=${p}`, { cause });
  } finally {
    if (typeof password === 'string') pw.fill(0);
  }
}

// ---- writing ----------------------------------------------------------------------------

/** Seal a private key exactly as `cosign generate-key-pair` does, so cosign can read it back. */
export function encryptCosignKey(privateKey: KeyObject, password: Password): string {
  if (privateKey.type !== 'private') throw new SigilError('ERR_KEY_FORMAT', `expected a private key, got a ${privateKey.type} key`);
  assertSupportedKey(privateKey, 'the private key');
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = deriveKey(password, salt, WRITE_SCRYPT);
  let ciphertext: Uint8Array;
  try {
    ciphertext = xsalsa20poly1305(key, nonce).encrypt(der);
  } finally {
    key.fill(0);
    der.fill(0);
  }
  // Field order and spelling as Go's json.Marshal writes the go-securesystemslib structs.
  const doc = {
    kdf: { name: 'scrypt', params: { N: WRITE_SCRYPT.N, r: WRITE_SCRYPT.r, p: WRITE_SCRYPT.p }, salt: encodeBase64(salt) },
    cipher: { name: 'nacl/secretbox', nonce: encodeBase64(nonce) },
    ciphertext: encodeBase64(ciphertext),
  };
  return encodePem(COSIGN_KEY_LABEL, Buffer.from(JSON.stringify(doc), 'utf8'));
}

export interface CosignKeyPair {
  /** `cosign.key`: ENCRYPTED SIGSTORE PRIVATE KEY. */
  privateKeyPem: string;
  /** `cosign.pub`: SPKI `PUBLIC KEY`. */
  publicKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh ECDSA P-256 key pair, cosign's default algorithm. */
export function generateCosignKeyPair(password: Password): CosignKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKeyPem: encryptCosignKey(privateKey, password), publicKeyPem: publicKeyToPem(publicKey), privateKey, publicKey };
}

// ---- shared with public-key.ts ----------------------------------------------------------

/** One PEM block from a size-capped key file. */
export function decodeKeyPem(text: string | Uint8Array, what: string): PemBlock {
  const size = typeof text === 'string' ? text.length : text.byteLength;
  if (size > MAX_KEY_FILE_BYTES) throw new SigilError('ERR_KEY_FORMAT', `${what} is larger than ${MAX_KEY_FILE_BYTES / 1024} KiB`);
  const s = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  let blocks: PemBlock[];
  try {
    blocks = decodePemBlocks(s);
  } catch (cause) {
    throw new SigilError('ERR_KEY_FORMAT', `${what}: the PEM body is not valid base64 (PEM headers are not supported)`, { cause });
  }
  const first = blocks[0];
  if (first === undefined) throw new SigilError('ERR_KEY_FORMAT', `${what} is not PEM (no "-----BEGIN …-----" block)`);
  if (blocks.length > 1) throw new SigilError('ERR_KEY_FORMAT', `${what} holds ${blocks.length} PEM blocks; expected one`);
  return first;
}

const SUPPORTED_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;
// Above this, key operations get slow enough to be a nuisance; nothing in Sigstore uses more than 4096.
const MAX_RSA_BITS = 8192;

/** ECDSA P-256/384/521, Ed25519, or RSA (PKCS#1 v1.5 keys, 2048 to 8192 bits). */
export function assertSupportedKey(key: KeyObject, what: string): void {
  const d = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (d?.namedCurve === undefined || !SUPPORTED_CURVES.has(d.namedCurve)) {
        throw new SigilError('ERR_KEY_FORMAT', `${what} uses the unsupported curve ${d?.namedCurve ?? '(explicit parameters)'}`, {
          hint: 'supported: ECDSA P-256, P-384, P-521, Ed25519, RSA ≥ 2048 bits',
        });
      }
      return;
    case 'ed25519':
      return;
    case 'rsa': {
      const bits = d?.modulusLength ?? 0;
      const e = d?.publicExponent ?? 0n;
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw new SigilError('ERR_KEY_FORMAT', `${what} is a ${bits}-bit RSA key (${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits supported)`);
      }
      if (e < 3n || e % 2n === 0n) throw new SigilError('ERR_KEY_FORMAT', `${what} has an invalid RSA public exponent`);
      return;
    }
    default:
      throw new SigilError('ERR_KEY_FORMAT', `${what} is an unsupported ${key.asymmetricKeyType ?? 'unknown'} key`, {
        hint: 'supported: ECDSA P-256, P-384, P-521, Ed25519, RSA ≥ 2048 bits',
      });
  }
}

const IMPLICIT_ATTRIBUTES = 0xa0; // OneAsymmetricKey attributes [0] IMPLICIT, constructed
const IMPLICIT_PUBLIC_KEY = 0x81; // OneAsymmetricKey publicKey [1] IMPLICIT BIT STRING
const PKCS8_V1 = Buffer.from([TAG.INTEGER, 1, 0]);

/**
 * PKCS#8 `PrivateKeyInfo`, or its RFC 5958 v2 form (`OneAsymmetricKey`, version 1, public
 * key in [1]) that ring, and so sigstore-rs, writes for Ed25519. OpenSSL 3 cannot read
 * the v2 form, so it is rewritten as v1 and its embedded public key must match the one
 * derived from the private key. SEC1 and PKCS#1 are recognised only to say so: cosign
 * refuses them inside a key file and so do we.
 */
export function parsePkcs8PrivateKey(der: Uint8Array, what: string): KeyObject {
  let v1: Buffer;
  let embeddedPublicKey: Buffer | undefined;
  try {
    const root = readRoot(der, TAG.SEQUENCE);
    // 9 elements is PKCS#1 RSA, recognised below to name it; PKCS#8 has at most 5.
    const [ver, alg, priv, ...rest] = children(der, root, 9);
    const version = readSmallInt(der, expectTag(ver, TAG.INTEGER, 'version'));
    if (alg?.tag === TAG.OCTET_STRING && version === 1) {
      throw new SigilError('ERR_KEY_FORMAT', `${what} is a SEC1 EC private key, not PKCS#8; cosign refuses it too`, {
        hint: 're-create the key file from the original key with `cosign import-key-pair`, which writes PKCS#8',
      });
    }
    if (alg?.tag === TAG.INTEGER && version === 0) {
      throw new SigilError('ERR_KEY_FORMAT', `${what} is a PKCS#1 RSA private key, not PKCS#8; cosign refuses it too`, {
        hint: 're-create the key file from the original key with `cosign import-key-pair`, which writes PKCS#8',
      });
    }
    if (version !== 0 && version !== 1) throw new DerError(`unknown PKCS#8 version ${version}`);
    expectTag(alg, TAG.SEQUENCE, 'privateKeyAlgorithm');
    expectTag(priv, TAG.OCTET_STRING, 'privateKey');
    let i = 0;
    const attributes = rest[i]?.tag === IMPLICIT_ATTRIBUTES ? rest[i++] : undefined;
    const publicKey = rest[i]?.tag === IMPLICIT_PUBLIC_KEY ? rest[i++] : undefined;
    if (i !== rest.length) throw new DerError('unexpected fields after the private key');
    if (publicKey !== undefined && version === 0) throw new DerError('a version 0 key cannot carry a public key');
    if (publicKey !== undefined) {
      const bits = readBitString(der, { ...publicKey, tag: TAG.BIT_STRING });
      if (bits.unused !== 0) throw new DerError('malformed embedded public key');
      embeddedPublicKey = bits.bits;
    }
    if (version === 0) {
      v1 = Buffer.from(der);
    } else {
      const parts = [PKCS8_V1, whole(der, alg!), whole(der, priv!), ...(attributes ? [whole(der, attributes)] : [])];
      const body = Buffer.concat(parts);
      v1 = Buffer.concat([header(TAG.SEQUENCE, body.length), body]);
      body.fill(0);
    }
  } catch (cause) {
    if (cause instanceof SigilError) throw cause;
    throw new SigilError('ERR_KEY_FORMAT', `${what} is not a PKCS#8 private key`, { cause });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: v1, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new SigilError('ERR_KEY_FORMAT', `${what} cannot be parsed`, { cause });
  } finally {
    v1.fill(0);
  }
  assertSupportedKey(key, what);
  if (embeddedPublicKey !== undefined && !embeddedPublicKey.equals(subjectPublicKey(createPublicKey(key)))) {
    throw new SigilError('ERR_KEY_FORMAT', `${what} carries a public key that does not belong to it`);
  }
  return key;
}

/** The BIT STRING contents of a key's SubjectPublicKeyInfo. */
function subjectPublicKey(key: KeyObject): Buffer {
  const spki = key.export({ type: 'spki', format: 'der' });
  const [, bits] = children(spki, readRoot(spki, TAG.SEQUENCE), 2);
  return readBitString(spki, expectTag(bits, TAG.BIT_STRING, 'subjectPublicKey')).bits;
}

// ---- JSON field checks ------------------------------------------------------------------

function formatError(message: string): SigilError {
  return new SigilError('ERR_KEY_FORMAT', `malformed cosign key file: ${message}`);
}

/** A plain object with exactly these keys: a field we do not know might change the meaning. */
function objectWith<K extends string>(v: unknown, what: string, keys: readonly K[]): Record<K, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw formatError(`${what} is not a JSON object`);
  const have = Object.keys(v);
  const unknownKey = have.find((k) => !(keys as readonly string[]).includes(k));
  if (unknownKey !== undefined) throw formatError(`${what} has an unexpected field ${JSON.stringify(unknownKey)}`);
  const missing = keys.find((k) => !have.includes(k));
  if (missing !== undefined) throw formatError(`${what} lacks the field "${missing}"`);
  return v as Record<K, unknown>;
}

function integer(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw formatError(`${what} is not an integer`);
  return v;
}

function base64Field(v: unknown, what: string): Buffer {
  if (typeof v !== 'string') throw formatError(`${what} is not a string`);
  try {
    return decodeBase64(v, what);
  } catch (cause) {
    throw new SigilError('ERR_KEY_FORMAT', `malformed cosign key file: ${what} is not valid base64`, { cause });
  }
}
