import { sign, type KeyObject } from 'node:crypto';
import { SigilError, decodePemBlocks } from '@sigil/core';
import { decodeJwtPayload } from '../identity/claims.js';
import { requestJson } from './http.js';

/**
 * The CA client (Fulcio v2 `POST /api/v2/signingCert`). Proof of possession is a
 * signature over the token's challenge claim: `email` when the token carries one, else
 * `sub` (sigstore's `SubjectFromToken`, which Fulcio mirrors per issuer type).
 * Returns the chain as DER, leaf first.
 */
export interface CertificateRequest {
  caUrl: string;
  token: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  timeoutMs?: number;
}

const MAX_CHAIN = 10;

export async function requestSigningCertificate(req: CertificateRequest): Promise<Buffer[]> {
  const challenge = challengeOf(req.token);
  const proof = sign('sha256', Buffer.from(challenge), req.privateKey).toString('base64');
  const res = await requestJson(`${req.caUrl}/api/v2/signingCert`, 'certificate request', {
    body: {
      credentials: { oidcIdentityToken: req.token },
      publicKeyRequest: { publicKey: { algorithm: algorithmOf(req.publicKey), content: req.publicKey.export({ type: 'spki', format: 'pem' }).toString() }, proofOfPossession: proof },
    },
    timeoutMs: req.timeoutMs,
    maxBytes: 256 * 1024,
  });
  const body = res.body as { signedCertificateEmbeddedSct?: { chain?: { certificates?: unknown } }; signedCertificateDetachedSct?: { chain?: { certificates?: unknown } } };
  const certs = (body.signedCertificateEmbeddedSct ?? body.signedCertificateDetachedSct)?.chain?.certificates;
  if (!Array.isArray(certs) || certs.length === 0 || certs.length > MAX_CHAIN || !certs.every((c) => typeof c === 'string')) {
    throw new SigilError('ERR_REMOTE', 'certificate request: the CA answered without a certificate chain');
  }
  try {
    return certs.map((pem) => {
      const blocks = decodePemBlocks(pem);
      if (blocks.length !== 1 || blocks[0]!.type !== 'CERTIFICATE') throw new Error('not one PEM certificate');
      return blocks[0]!.der;
    });
  } catch (cause) {
    throw new SigilError('ERR_REMOTE', 'certificate request: the CA answered with a malformed certificate', { cause });
  }
}

/** The claim a client signs to prove it holds the key (unverified decode: the CA verifies the token). */
export function challengeOf(token: string): string {
  const decoded = decodeJwtPayload(token);
  if ('reason' in decoded) throw new SigilError('ERR_IDENTITY', `the identity token is not a JWT: ${decoded.reason}`);
  const { email, sub } = decoded.payload;
  if (typeof email === 'string' && email !== '') return email;
  if (typeof sub === 'string' && sub !== '') return sub;
  throw new SigilError('ERR_IDENTITY', 'the identity token has neither an email nor a sub claim');
}

function algorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return 'ECDSA';
    case 'ed25519':
      return 'ED25519';
    case 'rsa':
      return 'RSA';
    default:
      throw new SigilError('ERR_UNSUPPORTED_KEY', `unsupported key type ${key.asymmetricKeyType ?? '?'}`);
  }
}
