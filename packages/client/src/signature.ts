import type { KeyObject } from 'node:crypto';
import { describePublicKey, verifyDigestSignature, verifyWithKey } from '@sigil/core';
import { isDigestArtifact, type Artifact } from './artifact.js';
import type { BundleContent, HashName } from './bundle.js';
import { fail } from './fail.js';
import { pae } from './tlog-body.js';

/**
 * The signature itself, with the leaf's key or the managed key: a message signature over
 * the artifact bytes (or, given only a digest, over that digest — prehashed ECDSA/RSA,
 * Ed25519ph); a DSSE signature over PAE(payloadType, payload). Failures: ERR_VERIFY_SIGNATURE.
 */
export function verifySignature(content: BundleContent, artifact: Artifact, key: KeyObject): void {
  if (content.kind === 'dsseEnvelope') {
    if (!verifyMessage(key, pae(content.payloadType, content.payload), content.signature, defaultHash(key))) {
      fail('ERR_VERIFY_SIGNATURE', 'DSSE signature does not verify');
    }
    return;
  }
  const ok = isDigestArtifact(artifact)
    ? verifyDigest(key, content.digestAlgorithm, Buffer.from(artifact.digest), content.signature)
    : verifyMessage(key, artifact, content.signature, content.digestAlgorithm) ||
      (key.asymmetricKeyType === 'ed25519' && content.digestAlgorithm === 'sha512' && verifyDigest(key, 'sha512', content.digest, content.signature));
  if (!ok) fail('ERR_VERIFY_SIGNATURE', 'signature does not verify over the artifact');
}

function verifyMessage(key: KeyObject, message: Uint8Array, signature: Buffer, hash: HashName): boolean {
  return verifyWithKey(key, hash, message, signature);
}

function verifyDigest(key: KeyObject, hash: HashName, digest: Buffer, signature: Buffer): boolean {
  try {
    return verifyDigestSignature(describePublicKey(key), hash, digest, signature);
  } catch {
    return false;
  }
}

function defaultHash(key: KeyObject): HashName {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return 'sha384';
  if (curve === 'secp521r1') return 'sha512';
  return 'sha256';
}
