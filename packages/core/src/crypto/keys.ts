import { createHash, createPublicKey, constants, publicDecrypt, verify as nodeVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { SigilError } from '../errors.js';
import { decodePem, encodePem } from '../encoding/pem.js';
import { curveOf, verifyEcdsaDigest } from './ecdsa-prehashed.js';
import { verifyEd25519phDigest } from './ed25519ph.js';
import type { HashAlgorithm } from '../hash.js';

/** protobuf-specs PublicKeyDetails names for the keys Sigil accepts. */
export type KeyDetails =
  | 'PKIX_ECDSA_P256_SHA_256'
  | 'PKIX_ECDSA_P384_SHA_384'
  | 'PKIX_ECDSA_P521_SHA_512'
  | 'PKIX_ED25519'
  | 'PKIX_RSA_PKCS1V15_2048_SHA256'
  | 'PKIX_RSA_PKCS1V15_3072_SHA256'
  | 'PKIX_RSA_PKCS1V15_4096_SHA256';

export interface PublicKeyInfo {
  key: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  details: KeyDetails;
}

/** Describe a public key, refusing anything outside Sigstore's algorithm registry. */
export function describePublicKey(key: KeyObject): PublicKeyInfo {
  const spki = key.export({ type: 'spki', format: 'der' });
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = curveOf(key);
      if (curve === 'P-256') return { key, spki, details: 'PKIX_ECDSA_P256_SHA_256' };
      if (curve === 'P-384') return { key, spki, details: 'PKIX_ECDSA_P384_SHA_384' };
      if (curve === 'P-521') return { key, spki, details: 'PKIX_ECDSA_P521_SHA_512' };
      throw new SigilError('ERR_UNSUPPORTED_KEY', `unsupported elliptic curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'}`);
    }
    case 'ed25519':
      return { key, spki, details: 'PKIX_ED25519' };
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits === 2048) return { key, spki, details: 'PKIX_RSA_PKCS1V15_2048_SHA256' };
      if (bits === 3072) return { key, spki, details: 'PKIX_RSA_PKCS1V15_3072_SHA256' };
      if (bits === 4096) return { key, spki, details: 'PKIX_RSA_PKCS1V15_4096_SHA256' };
      throw new SigilError('ERR_UNSUPPORTED_KEY', `unsupported RSA key size ${bits} (2048, 3072 or 4096 bits)`);
    }
    default:
      throw new SigilError('ERR_UNSUPPORTED_KEY', `unsupported key type ${key.asymmetricKeyType ?? '?'}`);
  }
}

/** Parse a PEM `PUBLIC KEY` (PKIX) into a described key. */
export function parsePublicKeyPem(pem: string): PublicKeyInfo {
  const block = decodePem(pem, ['PUBLIC KEY']);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.der, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new SigilError('ERR_UNSUPPORTED_KEY', 'public key cannot be parsed', { cause });
  }
  return describePublicKey(key);
}

export function publicKeyToPem(info: PublicKeyInfo | KeyObject): string {
  const spki = 'spki' in info ? info.spki : info.export({ type: 'spki', format: 'der' });
  return encodePem('PUBLIC KEY', spki);
}

/** Rekor's log ID: SHA-256 of the DER SubjectPublicKeyInfo. */
export function keyId(spki: Uint8Array): Buffer {
  return createHash('sha256').update(spki).digest();
}

export interface ParsedCertificate {
  cert: X509Certificate;
  der: Buffer;
  publicKey: PublicKeyInfo;
}

export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw new SigilError('ERR_ENCODING', 'certificate cannot be parsed', { cause });
  }
  return { cert, der: Buffer.from(der), publicKey: describePublicKey(cert.publicKey) };
}

export function parseCertificatePem(pem: string): ParsedCertificate {
  return parseCertificateDer(decodePem(pem, ['CERTIFICATE']).der);
}

/**
 * Verify `signature` over a message's digest (hashedrekord). ECDSA as DER over the digest;
 * RSA PKCS#1 v1.5; Ed25519 as Ed25519ph, which needs a SHA-512 digest.
 */
export function verifyDigestSignature(info: PublicKeyInfo, alg: HashAlgorithm, digest: Uint8Array, signature: Uint8Array): boolean {
  switch (info.key.asymmetricKeyType) {
    case 'ec':
      return verifyEcdsaDigest(info.key, digest, signature);
    case 'ed25519': {
      if (alg !== 'sha512') return false;
      const raw = info.spki.subarray(info.spki.length - 32);
      return verifyEd25519phDigest(raw, digest, signature);
    }
    case 'rsa':
      return verifyRsaPkcs1Digest(info.key, alg, digest, signature);
    default:
      return false;
  }
}

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1).
const DIGEST_INFO: Record<HashAlgorithm, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

function verifyRsaPkcs1Digest(key: KeyObject, alg: HashAlgorithm, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    const decoded = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return decoded.equals(Buffer.concat([DIGEST_INFO[alg], digest]));
  } catch {
    return false;
  }
}

/** Verify `signature` over a whole message with the key's natural scheme (ECDSA/RSA with `alg`, pure Ed25519). */
export function verifyMessageSignature(info: PublicKeyInfo, message: Uint8Array, signature: Uint8Array, alg: HashAlgorithm = 'sha256'): boolean {
  return verifyWithKey(info.key, alg, message, signature);
}

/**
 * node:crypto's verify as a yes/no: Ed25519 keys ignore `alg` (pure Ed25519), and a
 * malformed signature or a key that cannot use `alg` is a "no", never a throw.
 */
export function verifyWithKey(key: KeyObject, alg: string | null, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return nodeVerify(key.asymmetricKeyType === 'ed25519' ? null : alg, message, key, signature);
  } catch {
    return false;
  }
}

/** The hash each key type uses by default (cosign/sigstore conventions). */
export function defaultHash(details: KeyDetails): HashAlgorithm {
  if (details === 'PKIX_ECDSA_P384_SHA_384') return 'sha384';
  if (details === 'PKIX_ECDSA_P521_SHA_512') return 'sha512';
  return 'sha256';
}
