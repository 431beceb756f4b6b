import { nobleEd25519 } from './noble.js';

/**
 * Ed25519ph (RFC 8032 §5.1) over a SHA-512 digest the caller already holds: hashedrekord
 * entries with Ed25519 keys carry only the artifact's digest. @noble/curves' ed25519ph
 * hashes the message itself, so this instance takes the digest as the "message" and
 * skips that step, with the same dom2(phflag=1) domain separation.
 */
const DOM2 = Buffer.from('SigEd25519 no Ed25519 collisions', 'latin1');

function domain(data: Uint8Array, ctx: Uint8Array, phflag: boolean): Uint8Array {
  if (ctx.length > 255) throw new RangeError('context too long');
  return Buffer.concat([DOM2, Buffer.from([phflag ? 1 : 0, ctx.length]), ctx, data]);
}

let ed25519phDigest: ReturnType<ReturnType<typeof nobleEd25519>['edwards']['eddsa']> | undefined;
function instance(): NonNullable<typeof ed25519phDigest> {
  const { ed25519, edwards, sha2 } = nobleEd25519();
  return (ed25519phDigest ??= edwards.eddsa(ed25519.ed25519.Point, sha2.sha512, { domain, prehash: (digest: Uint8Array) => digest }));
}

export function verifyEd25519phDigest(rawPublicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (digest.length !== 64 || signature.length !== 64 || rawPublicKey.length !== 32) return false;
  try {
    return instance().verify(signature, digest, rawPublicKey);
  } catch {
    return false;
  }
}
