import { createECDH, type ECDH, type KeyObject } from 'node:crypto';
import { nobleNist } from './noble.js';

/**
 * ECDSA verification over a digest the caller already has (hashedrekord carries only the
 * artifact's digest). node:crypto can only verify over a message it hashes itself, and a
 * pure-JS verify costs ~2 ms. So the two scalar multiplications run natively through
 * ECDH, and only the final point addition is done here, without knowing y of u2·Q:
 * the x-coordinates of A+B and A−B are the two roots of t² − S·t + P (Weierstrass sum
 * and product formulas), so r is accepted iff it is one of those roots. Accepting
 * A−B is accepting a signature under −Q, whose private key is −d: forging one is as
 * hard as forging under Q. Any degenerate case falls back to @noble/curves.
 */
interface Curve {
  ecdh: string;
  p: bigint;
  n: bigint;
  b: bigint;
  bytes: number;
  noble: 'p256' | 'p384' | 'p521';
}

const CURVES: Record<string, Curve> = {
  'P-256': {
    ecdh: 'prime256v1',
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
    noble: 'p256',
  },
  'P-384': {
    ecdh: 'secp384r1',
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
    noble: 'p384',
  },
  'P-521': {
    ecdh: 'secp521r1',
    p: (1n << 521n) - 1n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    bytes: 66,
    noble: 'p521',
  },
};

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function invert(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS, m);
}

const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));
const toBytes = (v: bigint, len: number): Buffer => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');

/** Strict DER ECDSA-Sig-Value → (r, s); undefined if not exactly that. */
export function parseDerSignature(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  if (sig.length < 8 || sig.length > 141 || sig[0] !== 0x30) return undefined;
  let at = 1;
  let len = sig[at++]!;
  if (len === 0x81) {
    len = sig[at++]!;
    // DER: the long form only for lengths the short form cannot hold.
    if (len < 0x80) return undefined;
  } else if (len > 0x7f) return undefined;
  if (at + len !== sig.length) return undefined;
  const ints: bigint[] = [];
  for (let k = 0; k < 2; k++) {
    if (sig[at++] !== 0x02) return undefined;
    const l = sig[at++];
    if (l === undefined || l === 0 || l > 67 || at + l > sig.length) return undefined;
    const bytes = sig.subarray(at, at + l);
    // Minimal, positive encodings only (DER).
    if (bytes[0]! & 0x80) return undefined;
    if (l > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) return undefined;
    ints.push(toBig(bytes));
    at += l;
  }
  if (at !== sig.length) return undefined;
  return { r: ints[0]!, s: ints[1]! };
}

function digestToScalar(digest: Uint8Array, curve: Curve): bigint {
  // FIPS 186-4: use the leftmost bitlen(n) bits of the digest.
  let e = toBig(digest);
  const nBits = curve.n.toString(2).length;
  const dBits = digest.length * 8;
  if (dBits > nBits) e >>= BigInt(dBits - nBits);
  return e;
}

export function curveOf(key: KeyObject): string | undefined {
  const d = key.asymmetricKeyDetails;
  const name = d?.namedCurve;
  if (name === 'prime256v1' || name === 'P-256') return 'P-256';
  if (name === 'secp384r1' || name === 'P-384') return 'P-384';
  if (name === 'secp521r1' || name === 'P-521') return 'P-521';
  return undefined;
}

/** Verify a DER ECDSA signature over `digest` with an EC public key on P-256/384/521. */
export function verifyEcdsaDigest(key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const name = curveOf(key);
  const curve = name === undefined ? undefined : CURVES[name];
  if (!curve) return false;
  const rs = parseDerSignature(signature);
  if (!rs) return false;
  const { r, s } = rs;
  const { n, p, b } = curve;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  const e = digestToScalar(digest, curve);
  const w = (curve === CURVES['P-256'] && inverseHints.get(s)) || invert(s, n);
  const u1 = mod(e * w, n);
  const u2 = mod(r * w, n);
  const qPoint = pointOf(key, curve);
  if (u1 === 0n) return slow(curve, digest, signature, qPoint);

  const { g, h } = ecdhPair(curve);
  g.setPrivateKey(toBytes(u1, curve.bytes));
  const A = g.getPublicKey(); // u1·G, uncompressed
  const xA = toBig(A.subarray(1, 1 + curve.bytes));
  h.setPrivateKey(toBytes(u2, curve.bytes));
  const xB = toBig(h.computeSecret(qPoint)); // x(u2·Q)
  if (xA === xB) return slow(curve, digest, signature, qPoint);

  // With a = −3: x(A+B)+x(A−B) = [2(xA·xB + a)(xA + xB) + 4b] / D,
  //              x(A+B)·x(A−B) = [(xA·xB − a)² − 4b(xA + xB)] / D,  D = (xA − xB)².
  const a = p - 3n;
  const D = mod((xA - xB) * (xA - xB), p);
  const sum = mod(2n * (xA * xB + a) * (xA + xB) + 4n * b, p);
  const prod = mod((xA * xB - a) ** 2n - 4n * b * (xA + xB), p);
  const isRoot = (t: bigint): boolean => mod(t * t * D - sum * t + prod, p) === 0n;
  if (isRoot(r)) return true;
  return r + n < p && isRoot(r + n);
}

/**
 * s⁻¹ mod n of P-256 signatures about to be verified, computed together with Montgomery's
 * trick: one modular inversion (~30 µs in BigInt) for the whole batch plus three
 * multiplications each, instead of one inversion per signature. A log's admission worker
 * calls this with the signatures of the proposals waiting for it; verification uses a hint
 * when one matches s and inverts as usual otherwise. Each call replaces the previous hints.
 */
const inverseHints = new Map<bigint, bigint>();

export function precomputeEcdsaInverses(signatures: readonly Uint8Array[]): void {
  inverseHints.clear();
  const { n } = CURVES['P-256']!;
  const values: bigint[] = [];
  for (const sig of signatures) {
    const rs = parseDerSignature(sig);
    if (rs && rs.s > 0n && rs.s < n && !inverseHints.has(rs.s)) {
      inverseHints.set(rs.s, 0n);
      values.push(rs.s);
    }
  }
  if (values.length < 2) return inverseHints.clear();
  // prefix[i] = s0·…·si; one inversion of the total, then walk back.
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const v of values) prefix.push((acc = (acc * v) % n));
  let inv = invert(acc, n);
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]!;
    inverseHints.set(v, i === 0 ? inv : (inv * prefix[i - 1]!) % n);
    inv = (inv * v) % n;
  }
}

// ECDH objects are only scratch space for one synchronous call, so each thread keeps one
// pair per curve instead of paying ~15 µs to create two per verification.
const ecdhPairs = new Map<string, { g: ECDH; h: ECDH }>();

function ecdhPair(curve: Curve): { g: ECDH; h: ECDH } {
  let pair = ecdhPairs.get(curve.ecdh);
  if (!pair) ecdhPairs.set(curve.ecdh, (pair = { g: createECDH(curve.ecdh), h: createECDH(curve.ecdh) }));
  return pair;
}

const points = new WeakMap<KeyObject, Buffer>();

/** The key's uncompressed point, exported once per KeyObject. */
function pointOf(key: KeyObject, curve: Curve): Buffer {
  let p = points.get(key);
  if (!p) {
    const q = key.export({ format: 'jwk' });
    p = Buffer.concat([Buffer.from([4]), pad(q.x, curve.bytes), pad(q.y, curve.bytes)]);
    points.set(key, p);
  }
  return p;
}

function pad(b64url: string | undefined, len: number): Buffer {
  const raw = Buffer.from(b64url ?? '', 'base64url');
  return raw.length >= len ? raw : Buffer.concat([Buffer.alloc(len - raw.length), raw]);
}

function slow(curve: Curve, digest: Uint8Array, signature: Uint8Array, point: Uint8Array): boolean {
  try {
    return nobleNist()[curve.noble].verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false;
  }
}

/** The pure-JS reference, for cross-checking the fast path in tests. */
export function verifyEcdsaDigestReference(key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const name = curveOf(key);
  const curve = name === undefined ? undefined : CURVES[name];
  if (!curve) return false;
  const q = key.export({ format: 'jwk' });
  return slow(curve, digest, signature, Buffer.concat([Buffer.from([4]), pad(q.x, curve.bytes), pad(q.y, curve.bytes)]));
}
