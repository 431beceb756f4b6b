import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { nobleNist } from './noble.js';
import { SigilError } from '../errors.js';
import type { HashAlgorithm } from '../hash.js';

/**
 * Sign a digest the caller already has: a hashedrekord signature is over the artifact,
 * but the artifact was streamed through the hash once and is never held whole, so the
 * signature has to be made from the digest. node:crypto only signs messages it hashes
 * itself; RSA PKCS#1 v1.5 is still native (the padded DigestInfo is what the private-key
 * operation signs), ECDSA uses @noble/curves with RFC 6979 nonces.
 */
export function signDigest(privateKey: KeyObject, alg: HashAlgorithm, digest: Uint8Array): Buffer {
  if (privateKey.type !== 'private') throw new SigilError('ERR_UNSUPPORTED_KEY', 'a private key is needed to sign');
  if (digest.length !== DIGEST_BYTES[alg]) throw new SigilError('ERR_BAD_REQUEST', `not a ${alg} digest`);
  switch (privateKey.asymmetricKeyType) {
    case 'ec': {
      const jwk = privateKey.export({ format: 'jwk' });
      const name = jwk.crv ? ECDSA[jwk.crv] : undefined;
      const curve = name ? nobleNist()[name] : undefined;
      if (!curve || !jwk.d) throw new SigilError('ERR_UNSUPPORTED_KEY', `unsupported EC curve ${jwk.crv ?? '?'}`);
      return Buffer.from(curve.sign(digest, Buffer.from(jwk.d, 'base64url'), { prehash: false, format: 'der', lowS: true }));
    }
    case 'rsa':
      return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO[alg], digest]));
    default:
      throw new SigilError('ERR_UNSUPPORTED_KEY', `a ${privateKey.asymmetricKeyType ?? 'unknown'} key cannot sign a digest here; use an ECDSA or RSA key`);
  }
}

const ECDSA: Record<string, 'p256' | 'p384' | 'p521'> = { 'P-256': 'p256', 'P-384': 'p384', 'P-521': 'p521' };
const DIGEST_BYTES: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };
/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const DIGEST_INFO: Record<HashAlgorithm, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};
