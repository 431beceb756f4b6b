/**
 * Key files given on the command line: `--key cosign.pub` to verify, `--key cosign.key`
 * to sign. What each accepts follows cosign, so a file works with both tools or neither.
 */
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SigilError, type PemBlock } from '@sigil/core';
import {
  COSIGN_KEY_LABEL,
  LEGACY_COSIGN_KEY_LABEL,
  assertSupportedKey,
  decodeKeyPem,
  decryptCosignKey,
  wrongKeyLabel,
  parsePkcs8PrivateKey,
  type Password,
} from './cosign-key.js';

/**
 * A verification key: SPKI `PUBLIC KEY` (what `cosign generate-key-pair` writes), PKCS#1
 * `RSA PUBLIC KEY` (which cosign also reads), or an X.509 `CERTIFICATE`, whose key is
 * used and whose validity is not judged here.
 */
export function loadPublicKey(text: string | Uint8Array): KeyObject {
  const block = decodeKeyPem(text, 'the public key file');
  const key = parsePublicKeyBlock(block);
  assertSupportedKey(key, 'the public key');
  return key;
}

function parsePublicKeyBlock(block: PemBlock): KeyObject {
  try {
    switch (block.type) {
      case 'PUBLIC KEY':
        return createPublicKey({ key: block.der, format: 'der', type: 'spki' });
      case 'RSA PUBLIC KEY':
        return createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' });
      case 'CERTIFICATE':
        return new X509Certificate(block.der).publicKey;
    }
  } catch (cause) {
    throw new SigilError('ERR_KEY_FORMAT', `the public key file's "${block.type}" cannot be parsed`, { cause });
  }
  if (block.type.endsWith('PRIVATE KEY')) {
    // Refused even though the public half could be derived: a private key passed where a
    // public one belongs is usually a mistake that would spread a secret around.
    throw new SigilError('ERR_KEY_FORMAT', `expected a public key, got a private key ("${block.type}")`, {
      hint: 'pass the .pub file that was written next to the key',
    });
  }
  throw new SigilError('ERR_KEY_FORMAT', `unsupported PEM block "${block.type}" (expected "PUBLIC KEY" or "CERTIFICATE")`);
}

/**
 * A signing key, as `cosign sign --key` reads it: only a password-protected cosign key
 * file. An unencrypted key is refused with a hint, as cosign refuses it; use
 * `importPrivateKey` to convert one first. `password` is required for cosign keys (pass
 * '' for an empty one): a missing password is a caller bug, not an empty password.
 */
export function loadPrivateKey(text: string | Uint8Array, password?: Password): KeyObject {
  const block = decodeKeyPem(text, 'the private key file');
  if (block.type === COSIGN_KEY_LABEL || block.type === LEGACY_COSIGN_KEY_LABEL) {
    if (password === undefined) throw new SigilError('ERR_KEY_PASSWORD', 'the private key is encrypted and no password was given');
    return decryptCosignKey(text, password);
  }
  throw wrongKeyLabel(block.type);
}

/**
 * An unencrypted private key in the forms `cosign import-key-pair` accepts: PKCS#8
 * `PRIVATE KEY` (RSA, ECDSA, Ed25519; also the v2 form ring writes), SEC1 `EC PRIVATE KEY`,
 * PKCS#1 `RSA PRIVATE KEY`. The caller then seals it with `encryptCosignKey`.
 */
export function importPrivateKey(text: string | Uint8Array): KeyObject {
  const block = decodeKeyPem(text, 'the private key file');
  const what = 'the imported private key';
  if (block.type === 'PRIVATE KEY') {
    try {
      return parsePkcs8PrivateKey(block.der, what);
    } finally {
      block.der.fill(0);
    }
  }
  const type = block.type === 'EC PRIVATE KEY' ? 'sec1' : block.type === 'RSA PRIVATE KEY' ? 'pkcs1' : undefined;
  if (type === undefined) {
    throw new SigilError('ERR_KEY_FORMAT', `cannot import a "${block.type}" (expected "PRIVATE KEY", "EC PRIVATE KEY" or "RSA PRIVATE KEY")`, {
      ...(block.type.startsWith('ENCRYPTED') ? { hint: 'decrypt it first; a cosign key file needs no import' } : {}),
    });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.der, format: 'der', type });
  } catch (cause) {
    throw new SigilError('ERR_KEY_FORMAT', `${what} ("${block.type}") cannot be parsed`, { cause });
  } finally {
    block.der.fill(0);
  }
  assertSupportedKey(key, what);
  return key;
}
