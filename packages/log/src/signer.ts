import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { SigilError, describePublicKey, keyId, noteSignerFor, type KeyDetails, type NoteSigner } from '@sigil/core';

/** A shard's signing key: checkpoints, signed entry timestamps and the log ID derive from it. */
export interface LogSigner {
  publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  /** Rekor log ID: SHA-256 of the SPKI. */
  logId: Buffer;
  details: KeyDetails;
  sign(data: Buffer): Buffer;
  noteSigner(name: string): NoteSigner;
}

export type LogKeyType = 'ecdsa-p256' | 'ed25519';

export function generateLogKeyPem(type: LogKeyType = 'ecdsa-p256'): string {
  const { privateKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Load a PKCS#8 (or SEC1 EC) PEM private key; only ECDSA P-256 and Ed25519 sign a log. */
export function loadLogSigner(pem: string): LogSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new SigilError('ERR_CONFIG', 'log signing key is not a readable PEM private key', { cause });
  }
  const publicKey = createPublicKey(privateKey);
  const info = describePublicKey(publicKey);
  if (info.details !== 'PKIX_ECDSA_P256_SHA_256' && info.details !== 'PKIX_ED25519') {
    throw new SigilError('ERR_CONFIG', `log signing key must be ECDSA P-256 or Ed25519, not ${info.details}`);
  }
  const isEd = info.details === 'PKIX_ED25519';
  const noteSigners = new Map<string, NoteSigner>();
  return {
    publicKey,
    spki: info.spki,
    logId: keyId(info.spki),
    details: info.details,
    sign: (data) => (isEd ? nodeSign(null, data, privateKey) : nodeSign('sha256', data, privateKey)),
    // Rekor v1 hints every key type with H(SPKI)[:4], i.e. the log ID's first bytes.
    noteSigner: (name) => {
      let s = noteSigners.get(name);
      if (!s) noteSigners.set(name, (s = noteSignerFor(name, privateKey, publicKey, 'spki')));
      return s;
    },
  };
}
