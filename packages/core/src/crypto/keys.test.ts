import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, generateKeyPairSync, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { SigilError } from '../errors.js';
import { decodeBase64 } from '../encoding/base64.js';
import { canonicalJsonBytes } from '../encoding/canonical-json.js';
import { decodeHex, encodeHex } from '../encoding/hex.js';
import { encodePem } from '../encoding/pem.js';
import { digest, type HashAlgorithm } from '../hash.js';
import { hashLeaf, verifyInclusion } from '../merkle/index.js';
import { noteVerifierFor, parseCheckpoint, parseSignedNote, verifySignedNote } from '../note/index.js';
import {
  defaultHash, describePublicKey, keyId, parseDerSignature, parsePublicKeyPem, precomputeEcdsaInverses, publicKeyToPem, verifyDigestSignature, verifyEcdsaDigestReference,
  verifyMessageSignature, type PublicKeyInfo,
} from './index.js';
import { vectorsDir, throwsSigil, prng } from '../test-support.js';

const REKOR = vectorsDir('rekor');

// ---------------------------------------------------------------------------------------
// DER and curve helpers
// ---------------------------------------------------------------------------------------

const big = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${encodeHex(b)}`));
function bytesOf(v: bigint, len?: number): Buffer {
  let h = v.toString(16);
  if (h.length % 2) h = `0${h}`;
  if (len !== undefined) h = h.padStart(len * 2, '0');
  return Buffer.from(h, 'hex');
}
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
function inv(a: bigint, m: bigint): bigint {
  // Fermat: every modulus here (curve orders) is prime.
  let result = 1n;
  let b = mod(a, m);
  for (let e = m - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** A DER INTEGER with the given content bytes, verbatim (so tests can write non-DER forms). */
const rawInt = (content: Uint8Array): Buffer => Buffer.concat([Buffer.from([0x02, content.length]), content]);
/** Minimal DER INTEGER for a non-negative value. */
function derInt(v: bigint): Buffer {
  let b = bytesOf(v);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return rawInt(b);
}
function derSeq(body: Buffer): Buffer {
  return Buffer.concat([body.length < 0x80 ? Buffer.from([0x30, body.length]) : Buffer.from([0x30, 0x81, body.length]), body]);
}
const derSig = (r: bigint, s: bigint): Buffer => derSeq(Buffer.concat([derInt(r), derInt(s)]));

type Noble = typeof p256;
interface CurveCase {
  name: 'P-256' | 'P-384' | 'P-521';
  noble: Noble;
  details: PublicKeyInfo['details'];
  hash: HashAlgorithm;
  bytes: number;
}
const CURVES: CurveCase[] = [
  { name: 'P-256', noble: p256, details: 'PKIX_ECDSA_P256_SHA_256', hash: 'sha256', bytes: 32 },
  { name: 'P-384', noble: p384, details: 'PKIX_ECDSA_P384_SHA_384', hash: 'sha384', bytes: 48 },
  { name: 'P-521', noble: p521, details: 'PKIX_ECDSA_P521_SHA_512', hash: 'sha512', bytes: 66 },
];
const ALGS: HashAlgorithm[] = ['sha256', 'sha384', 'sha512'];

type AffinePoint = { x: bigint; y: bigint };
function keyFromPoint(curve: CurveCase, p: AffinePoint): KeyObject {
  const b64 = (v: bigint): string => bytesOf(v, curve.bytes).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: curve.name, x: b64(p.x), y: b64(p.y) }, format: 'jwk' });
}

/**
 * A valid signature built backwards from the verification equation: for any public point Q
 * and scalars u1, u2, R = u1·G + u2·Q, r = x(R) mod n, s = r/u2, e = u1·s makes (r, s)
 * verify over digest e. This reaches the fast path's rare branches on purpose.
 */
function forge(curve: CurveCase, Q: InstanceType<Noble['Point']>, u1: bigint, u2: bigint) {
  const { n } = curve.noble.Point.CURVE();
  const G = curve.noble.Point.BASE;
  const R = (u1 === 0n ? Q.multiply(u2) : G.multiply(u1).add(Q.multiply(u2))).toAffine();
  const r = mod(R.x, n);
  const s = mod(r * inv(u2, n), n);
  const e = mod(u1 * s, n);
  return { r, s, digest: scalarDigest(curve, e), key: keyFromPoint(curve, Q.toAffine()) };
}

/** A curve-sized digest whose leftmost bitlen(n) bits (FIPS 186-4 truncation) are `e`. */
function scalarDigest(curve: CurveCase, e: bigint): Buffer {
  const nBits = curve.noble.Point.CURVE().n.toString(2).length;
  return bytesOf(e << BigInt(curve.bytes * 8 - nBits), curve.bytes);
}

function randomScalar(n: bigint): bigint {
  return mod(big(randomBytes(80)), n - 1n) + 1n;
}

// ---------------------------------------------------------------------------------------
// ECDSA over digests
// ---------------------------------------------------------------------------------------

void test('ECDSA P-256/P-384/P-521: the fast digest verifier agrees with the reference on ~300 random, tampered and wrong-key signatures', () => {
  const rand = prng(0xecd5a);
  let count = 0;
  const tally = { valid: 0, invalid: 0 };
  // 150 + 100 + 50: the reference verifier is slow on the larger curves.
  const perCurve = { 'P-256': 150, 'P-384': 100, 'P-521': 50 };
  for (const curve of CURVES) {
    const key = generateKeyPairSync('ec', { namedCurve: curve.name });
    const other = generateKeyPairSync('ec', { namedCurve: curve.name });
    const info = describePublicKey(key.publicKey);
    const otherInfo = describePublicKey(other.publicKey);
    const nBits = curve.noble.Point.CURVE().n.toString(2).length;
    assert.equal(info.details, curve.details);
    for (let i = 0; i < perCurve[curve.name]; i++) {
      const alg = ALGS[i % 3]!;
      const message = randomBytes(1 + rand(200));
      const d = digest(alg, message);
      const sig = nodeSign(alg, message, key.privateKey);
      // The test's DER encoder and the parser agree on node's signatures.
      const rs = parseDerSignature(sig);
      assert.ok(rs);
      assert.deepEqual(derSig(rs.r, rs.s), sig);

      const variant = i % 5;
      let vInfo = info;
      let vDigest: Buffer = d;
      let vSig: Buffer = sig;
      if (variant === 1) {
        // Flip a bit the curve uses: only the leftmost bitlen(n) bits of a digest count.
        vDigest = Buffer.from(d);
        vDigest[rand(Math.min(d.length, Math.floor(nBits / 8)))]! ^= 1 << rand(8);
      } else if (variant === 2) {
        vInfo = otherInfo;
      } else if (variant === 3) {
        vSig = derSig(rs.r, rs.s === 1n ? 2n : rs.s - 1n);
      } else if (variant === 4) {
        vDigest = digest(ALGS[(i + 1) % 3]!, message); // the digest of another algorithm
      }
      const fast = verifyDigestSignature(vInfo, alg, vDigest, vSig);
      const ref = verifyEcdsaDigestReference(vInfo.key, vDigest, vSig);
      assert.equal(fast, ref, `${curve.name} ${alg} variant ${variant} #${i}: fast ${fast}, reference ${ref}`);
      assert.equal(fast, variant === 0, `${curve.name} ${alg} variant ${variant} #${i}`);
      tally[fast ? 'valid' : 'invalid']++;
      count++;
    }
  }
  assert.equal(count, 300);
  // Digest bits beyond bitlen(n) are ignored (FIPS 186-4 truncation), by both verifiers alike.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const info = describePublicKey(publicKey);
  const message = Buffer.from('truncation');
  const sig = nodeSign('sha512', message, privateKey);
  const d = digest('sha512', message);
  d[63]! ^= 0xff;
  assert.equal(verifyDigestSignature(info, 'sha512', d, sig), true);
  assert.equal(verifyEcdsaDigestReference(publicKey, d, sig), true);
  d[31]! ^= 0x01;
  assert.equal(verifyDigestSignature(info, 'sha512', d, sig), false);
  assert.deepEqual(tally, { valid: 60, invalid: 240 });
});

void test('ECDSA P-256: batched inversions give the same answers as one at a time, whatever the hints hold', () => {
  const rand = prng(0xba7c4);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const info = describePublicKey(key.publicKey);
  const cases = Array.from({ length: 40 }, (_, i) => {
    const message = randomBytes(1 + rand(100));
    const d = digest('sha256', message);
    const sig = nodeSign('sha256', message, key.privateKey);
    const { r, s } = parseDerSignature(sig)!;
    // Valid, a wrong digest, a changed s, valid.
    const variant = i % 4;
    if (variant === 1) d[0]! ^= 1;
    const vSig = variant === 2 ? derSig(r, s + 1n) : sig;
    return { d, sig: vSig, want: variant === 0 || variant === 3 };
  });
  const single = cases.map((c) => verifyDigestSignature(info, 'sha256', c.d, c.sig));
  assert.deepEqual(single, cases.map((c) => c.want));
  // Hints for the whole batch, plus junk and duplicates, then every answer again.
  precomputeEcdsaInverses([...cases.map((c) => c.sig), cases[0]!.sig, Buffer.from('junk'), derSig(1n, 0n)]);
  assert.deepEqual(cases.map((c) => verifyDigestSignature(info, 'sha256', c.d, c.sig)), single);
  // Hints from another batch do not change an answer either.
  precomputeEcdsaInverses(cases.slice(0, 5).map((c) => c.sig));
  assert.deepEqual(cases.map((c) => verifyDigestSignature(info, 'sha256', c.d, c.sig)), single);
  precomputeEcdsaInverses([]);
});

void test('ECDSA: high-S signatures are accepted, as node produces them', () => {
  for (const curve of CURVES) {
    const { n } = curve.noble.Point.CURVE();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve.name });
    const info = describePublicKey(publicKey);
    let sawHigh = false;
    for (let i = 0; i < 8 || (!sawHigh && i < 200); i++) {
      const message = randomBytes(32);
      const sig = nodeSign(curve.hash, message, privateKey);
      const { r, s } = parseDerSignature(sig)!;
      const d = digest(curve.hash, message);
      if (s > n / 2n) sawHigh = true;
      // Both s and n − s verify: the verifier does not enforce low S.
      const twin = derSig(r, n - s);
      assert.equal(verifyDigestSignature(info, curve.hash, d, sig), true);
      assert.equal(verifyDigestSignature(info, curve.hash, d, twin), true);
      if (i < 3) assert.equal(verifyEcdsaDigestReference(publicKey, d, twin), true);
    }
    assert.ok(sawHigh, `${curve.name}: node produced a high-S signature`);
  }
});

void test('ECDSA: malformed DER and out-of-range (r, s) are rejected', () => {
  for (const curve of CURVES) {
    const { n } = curve.noble.Point.CURVE();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve.name });
    const info = describePublicKey(publicKey);
    // A signature whose r has its top bit set, so its minimal encoding needs a 0x00 pad.
    let message = randomBytes(32);
    let sig = nodeSign(curve.hash, message, privateKey);
    let rs = parseDerSignature(sig)!;
    for (let i = 0; i < 200 && !(bytesOf(rs.r)[0]! & 0x80); i++) {
      message = randomBytes(32);
      sig = nodeSign(curve.hash, message, privateKey);
      rs = parseDerSignature(sig)!;
    }
    const { r, s } = rs;
    const d = digest(curve.hash, message);
    assert.equal(verifyDigestSignature(info, curve.hash, d, sig), true);
    const rBytes = bytesOf(r);
    assert.ok(rBytes[0]! & 0x80, 'found an r with its top bit set');

    const bad: Record<string, Buffer> = {
      'trailing byte': Buffer.concat([sig, Buffer.from([0])]),
      'trailing byte inside the sequence': derSeq(Buffer.concat([derInt(r), derInt(s), Buffer.from([0])])),
      'non-minimal integer (extra 0x00)': derSeq(Buffer.concat([rawInt(Buffer.concat([Buffer.from([0, 0]), rBytes])), derInt(s)])),
      'non-minimal integer (0x00 before s)': derSeq(Buffer.concat([derInt(r), rawInt(Buffer.concat([Buffer.from([0]), derInt(s).subarray(2)]))])),
      'negative integer (no 0x00 pad)': derSeq(Buffer.concat([rawInt(rBytes), derInt(s)])),
      'non-minimal length (0x81 for a short sequence)': Buffer.concat([Buffer.from([0x30, 0x81, sig.length - 2]), sig.subarray(2)]),
      'r = 0': derSig(0n, s),
      's = 0': derSig(r, 0n),
      'r = n': derSig(n, s),
      's = n': derSig(r, n),
      's + n': derSig(r, s + n),
      'r + n': derSig(r + n, s),
      'empty integer': derSeq(Buffer.concat([rawInt(Buffer.alloc(0)), derInt(s)])),
      'wrong outer tag': Buffer.concat([Buffer.from([0x31]), sig.subarray(1)]),
      'wrong integer tag': derSeq(Buffer.concat([Buffer.from([0x03]), derInt(r).subarray(1), derInt(s)])),
      'outer length too long': Buffer.concat([Buffer.from([0x30, sig[1]! + 1]), sig.subarray(2)]),
      'truncated': sig.subarray(0, sig.length - 1),
      'raw r || s (P1363)': Buffer.concat([bytesOf(r, curve.bytes), bytesOf(s, curve.bytes)]),
      empty: Buffer.alloc(0),
    };
    // P-521 signatures may already need the long form; only a short sequence can be mis-encoded so.
    if (sig[1] === 0x81) delete bad['non-minimal length (0x81 for a short sequence)'];
    for (const [why, b] of Object.entries(bad)) {
      assert.equal(verifyDigestSignature(info, curve.hash, d, b), false, `${curve.name}: ${why}`);
    }
  }
  assert.equal(parseDerSignature(Buffer.from('3006020101020101', 'hex'))?.r, 1n);
  assert.equal(parseDerSignature(Buffer.from('300602010102010100', 'hex')), undefined);
  assert.equal(parseDerSignature(Buffer.from('30810602010102010100', 'hex')), undefined);
});

void test('ECDSA: rare fast-path branches (x(R) ≥ n, u1 = 0, u1·G = ±u2·Q) give the right answer', () => {
  for (const curve of CURVES) {
    const { n, p, b, a } = curve.noble.Point.CURVE();
    const { Point } = curve.noble;
    const Fp = Point.Fp;
    const check = (label: string, key: KeyObject, dg: Buffer, sig: Buffer, want: boolean): void => {
      const info = describePublicKey(key);
      assert.equal(verifyDigestSignature(info, curve.hash, dg, sig), want, `${curve.name} ${label}`);
      assert.equal(verifyEcdsaDigestReference(key, dg, sig), want, `${curve.name} ${label} (reference)`);
    };

    // x(R) in [n, p): r = x(R) − n, and only the "r + n" candidate matches.
    let R: InstanceType<Noble['Point']> | undefined;
    while (!R) {
      const x = n + mod(big(randomBytes(80)), p - n - 1n) + 1n;
      try {
        const y = Fp.sqrt(mod(x * x * x + a * x + b, p));
        R = Point.fromAffine({ x, y });
        R.assertValidity();
      } catch {
        R = undefined;
      }
    }
    const e = randomScalar(n);
    const s = randomScalar(n);
    const r = mod(R.toAffine().x, n);
    assert.ok(r + n < p && R.toAffine().x === r + n);
    const u1 = mod(e * inv(s, n), n);
    const u2 = mod(r * inv(s, n), n);
    const Q = R.subtract(Point.BASE.multiply(u1)).multiply(inv(u2, n));
    const key = keyFromPoint(curve, Q.toAffine());
    const dg = scalarDigest(curve, e);
    check('x(R) ≥ n: valid', key, dg, derSig(r, s), true);
    const tampered = Buffer.from(dg);
    tampered[0]! ^= 1;
    check('x(R) ≥ n: tampered digest', key, tampered, derSig(r, s), false);
    check('x(R) ≥ n: unreduced r', key, dg, derSig(r + n, s), false);

    // u1 = 0 (digest ≡ 0 mod n): handled by the fallback.
    const d0 = randomScalar(n);
    const Q0 = Point.BASE.multiply(d0);
    const z = forge(curve, Q0, 0n, randomScalar(n));
    assert.equal(big(z.digest), 0n);
    check('u1 = 0: valid', z.key, z.digest, derSig(z.r, z.s), true);
    check('u1 = 0: wrong s', z.key, z.digest, derSig(z.r, mod(z.s + 1n, n)), false);

    // u1·G = u2·Q (x(A) = x(B), R = 2A): handled by the fallback.
    const v1 = randomScalar(n);
    const v2 = randomScalar(n);
    const same = forge(curve, Point.BASE.multiply(mod(v1 * inv(v2, n), n)), v1, v2);
    check('u1·G = u2·Q: valid', same.key, same.digest, derSig(same.r, same.s), true);
    const wrong = Buffer.from(same.digest);
    wrong[0]! ^= 1;
    check('u1·G = u2·Q: tampered digest', same.key, wrong, derSig(same.r, same.s), false);

    // u1·G = −u2·Q: R is the point at infinity, so no r may verify. With x(A) = x(B) the
    // quadratic degenerates to a linear one whose root is x(2A): a verifier without the
    // fallback would accept r = x(2A) here, so that is the r to try.
    const negQ = Point.BASE.multiply(mod(n - mod(v1 * inv(v2, n), n), n));
    const rr = mod(Point.BASE.multiply(mod(2n * v1, n)).toAffine().x, n);
    const ss = mod(rr * inv(v2, n), n);
    const ee = mod(v1 * ss, n);
    check('u1·G = −u2·Q: R at infinity', keyFromPoint(curve, negQ.toAffine()), scalarDigest(curve, ee), derSig(rr, ss), false);
  }
});

// ---------------------------------------------------------------------------------------
// RSA, Ed25519ph, key descriptions
// ---------------------------------------------------------------------------------------

void test('RSA-2048 PKCS#1 v1.5 signatures verify over a sha256 digest, and only that digest', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const info = describePublicKey(publicKey);
  assert.equal(info.details, 'PKIX_RSA_PKCS1V15_2048_SHA256');
  assert.equal(defaultHash(info.details), 'sha256');
  const message = Buffer.from('sigil rsa message');
  const sig = nodeSign('sha256', message, privateKey);
  const d = digest('sha256', message);
  assert.equal(verifyDigestSignature(info, 'sha256', d, sig), true);
  assert.equal(verifyMessageSignature(info, message, sig), true);
  const wrong = Buffer.from(d);
  wrong[5]! ^= 0x10;
  assert.equal(verifyDigestSignature(info, 'sha256', wrong, sig), false);
  assert.equal(verifyDigestSignature(info, 'sha384', digest('sha384', message), sig), false);
  const tampered = Buffer.from(sig);
  tampered[10]! ^= 1;
  assert.equal(verifyDigestSignature(info, 'sha256', d, tampered), false);
  assert.equal(verifyDigestSignature(info, 'sha256', d, Buffer.alloc(3)), false);
  const sig384 = nodeSign('sha384', message, privateKey);
  assert.equal(verifyDigestSignature(info, 'sha384', digest('sha384', message), sig384), true);
  assert.equal(verifyDigestSignature(info, 'sha256', d, sig384), false);
  const pss = nodeSign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING });
  assert.equal(verifyDigestSignature(info, 'sha256', d, pss), false, 'PSS is not PKCS#1 v1.5');
});

void test('Ed25519ph: a noble ed25519ph signature verifies over the SHA-512 digest, never with sha256', () => {
  const { secretKey, publicKey: raw } = ed25519ph.keygen();
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  const info = describePublicKey(key);
  assert.equal(info.details, 'PKIX_ED25519');
  const message = Buffer.from('an artifact whose digest is all Rekor sees');
  const sig = ed25519ph.sign(message, secretKey);
  const sha512 = createHash('sha512').update(message).digest();
  assert.equal(verifyDigestSignature(info, 'sha512', sha512, sig), true);
  assert.equal(verifyDigestSignature(info, 'sha256', sha512, sig), false);
  assert.equal(verifyDigestSignature(info, 'sha256', digest('sha256', message), sig), false);
  const wrong = Buffer.from(sha512);
  wrong[0]! ^= 1;
  assert.equal(verifyDigestSignature(info, 'sha512', wrong, sig), false);
  const bad = Buffer.from(sig);
  bad[40]! ^= 1;
  assert.equal(verifyDigestSignature(info, 'sha512', sha512, bad), false);
  assert.equal(verifyDigestSignature(info, 'sha512', sha512, sig.subarray(0, 63)), false);
  // Pure Ed25519 over the message is a different scheme: it verifies as a message signature only.
  const { privateKey: edPriv, publicKey: edPub } = generateKeyPairSync('ed25519');
  const edInfo = describePublicKey(edPub);
  const pure = nodeSign(null, message, edPriv);
  assert.equal(verifyMessageSignature(edInfo, message, pure), true);
  assert.equal(verifyDigestSignature(edInfo, 'sha512', sha512, pure), false);
});

void test('describePublicKey names Sigstore key types and refuses P-192, secp256k1, RSA-1024 and X25519', () => {
  const want: Array<[KeyObject, PublicKeyInfo['details'], HashAlgorithm]> = [
    [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'PKIX_ECDSA_P256_SHA_256', 'sha256'],
    [generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'PKIX_ECDSA_P384_SHA_384', 'sha384'],
    [generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey, 'PKIX_ECDSA_P521_SHA_512', 'sha512'],
    [generateKeyPairSync('ed25519').publicKey, 'PKIX_ED25519', 'sha256'],
  ];
  for (const [key, details, hash] of want) {
    const info = describePublicKey(key);
    assert.equal(info.details, details);
    assert.equal(defaultHash(details), hash);
    assert.deepEqual(info.spki, key.export({ type: 'spki', format: 'der' }));
    // PEM round trip through publicKeyToPem / parsePublicKeyPem.
    const pem = publicKeyToPem(info);
    assert.equal(pem, publicKeyToPem(key));
    assert.deepEqual(parsePublicKeyPem(pem).spki, info.spki);
    assert.deepEqual(keyId(info.spki), createHash('sha256').update(info.spki).digest());
  }
  // prime192v1 (= secp192r1 / P-192); node/OpenSSL name it prime192v1.
  throwsSigil(() => describePublicKey(generateKeyPairSync('ec', { namedCurve: 'prime192v1' }).publicKey), 'ERR_UNSUPPORTED_KEY', 'P-192');
  throwsSigil(() => describePublicKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), 'ERR_UNSUPPORTED_KEY', 'secp256k1');
  throwsSigil(() => describePublicKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), 'ERR_UNSUPPORTED_KEY', 'RSA-1024');
  throwsSigil(() => describePublicKey(generateKeyPairSync('x25519').publicKey), 'ERR_UNSUPPORTED_KEY', 'X25519');
  const p192 = publicKeyToPem(generateKeyPairSync('ec', { namedCurve: 'prime192v1' }).publicKey);
  throwsSigil(() => parsePublicKeyPem(p192), 'ERR_UNSUPPORTED_KEY');
});

void test('parsePublicKeyPem refuses garbage with a SigilError', () => {
  for (const garbage of ['', 'garbage', '-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n']) {
    assert.throws(() => parsePublicKeyPem(garbage), SigilError, JSON.stringify(garbage));
  }
  throwsSigil(() => parsePublicKeyPem(encodePem('PUBLIC KEY', Buffer.from('not a key'))), 'ERR_UNSUPPORTED_KEY');
  throwsSigil(() => parsePublicKeyPem(encodePem('CERTIFICATE', Buffer.from('x'))), 'ERR_ENCODING');
  const pem = publicKeyToPem(generateKeyPairSync('ed25519').publicKey);
  throwsSigil(() => parsePublicKeyPem(pem + pem), 'ERR_ENCODING');
});

// ---------------------------------------------------------------------------------------
// Rekor v1 LogEntry vectors
// ---------------------------------------------------------------------------------------

interface LogEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    signedEntryTimestamp: string;
    inclusionProof?: { checkpoint: string; hashes: string[]; logIndex: number; rootHash: string; treeSize: number };
  };
}

const rekorKeys = ['rekor.sigstore.dev', 'rekor.sigstage.dev'].map((host) => ({
  host,
  info: parsePublicKeyPem(readFileSync(path.join(REKOR, `${host}.pub.pem`), 'utf8')),
}));

const entryFiles = readdirSync(REKOR).filter((f) => /^logentry-.*\.json$/.test(f)).sort();

void test('rekor vectors: every LogEntry has a valid SET, log ID, inclusion proof, checkpoint and UUID', async (t) => {
  assert.equal(entryFiles.length, 3);
  for (const file of entryFiles) {
    await t.test(file, () => {
      const doc = JSON.parse(readFileSync(path.join(REKOR, file), 'utf8')) as Record<string, LogEntry>;
      const [uuid, entry] = Object.entries(doc)[0]!;
      assert.equal(Object.keys(doc).length, 1);
      const host = file.includes('staging') ? 'rekor.sigstage.dev' : 'rekor.sigstore.dev';
      const { info } = rekorKeys.find((k) => k.host === host)!;
      assert.equal(info.details, 'PKIX_ECDSA_P256_SHA_256');

      // logID is the SHA-256 of the log key's DER SPKI.
      assert.equal(entry.logID, encodeHex(keyId(info.spki)));
      for (const other of rekorKeys.filter((k) => k.host !== host)) assert.notEqual(entry.logID, encodeHex(keyId(other.info.spki)));

      // SET: ECDSA over canonical JSON of {body, integratedTime, logID, logIndex}.
      const { body, integratedTime, logID, logIndex } = entry;
      const set = decodeBase64(entry.verification.signedEntryTimestamp);
      const payload = canonicalJsonBytes({ body, integratedTime, logID, logIndex });
      assert.ok(payload.toString('utf8').startsWith('{"body":"'));
      assert.equal(verifyMessageSignature(info, payload, set), true, 'SET verifies');
      assert.equal(verifyMessageSignature(info, canonicalJsonBytes({ body, integratedTime: integratedTime + 1, logID, logIndex }), set), false);
      assert.equal(verifyMessageSignature(info, canonicalJsonBytes({ body, integratedTime, logID, logIndex: logIndex + 1 }), set), false);
      // Same SET as a digest signature (the fast path) over SHA-256 of the payload.
      assert.equal(verifyDigestSignature(info, 'sha256', digest('sha256', payload), set), true);
      const otherKey = rekorKeys.find((k) => k.host !== host)!.info;
      assert.equal(verifyMessageSignature(otherKey, payload, set), false);

      const leaf = hashLeaf(decodeBase64(body));
      const proof = entry.verification.inclusionProof;
      if (!proof) {
        assert.equal(uuid, encodeHex(leaf), 'no inclusion proof: the UUID is the bare leaf hash');
        return;
      }
      // Inclusion proof (hex) recomputes rootHash.
      const hashes = proof.hashes.map((h) => decodeHex(h, 'hash', 32));
      const root = decodeHex(proof.rootHash, 'root', 32);
      verifyInclusion(proof.logIndex, proof.treeSize, leaf, hashes, root);
      throwsSigil(() => verifyInclusion(proof.logIndex - 1, proof.treeSize, leaf, hashes, root), 'ERR_MERKLE_PROOF');
      throwsSigil(() => verifyInclusion(proof.logIndex, proof.treeSize, hashLeaf(Buffer.from('other')), hashes, root), 'ERR_MERKLE_PROOF');

      // The checkpoint is signed by the same key (name = host, SPKI key ID) and commits to that root.
      const note = parseSignedNote(proof.checkpoint);
      verifySignedNote(note, [noteVerifierFor(host, info.key, 'spki')]);
      const cp = parseCheckpoint(note.text);
      assert.equal(cp.size, proof.treeSize);
      assert.equal(encodeHex(cp.rootHash), proof.rootHash);
      const m = /^(\S+) - (\d+)$/.exec(cp.origin);
      assert.ok(m, `origin ${cp.origin} is "<host> - <treeID>"`);
      assert.equal(m[1], host);

      // UUID = hex(treeID as 8 bytes big-endian) || hex(leaf hash).
      const treeId = BigInt(m[2]!);
      assert.equal(uuid, bytesOf(treeId, 8).toString('hex') + encodeHex(leaf));
      assert.equal(uuid.length, 80);
      if (host === 'rekor.sigstore.dev') assert.equal(logIndex - proof.logIndex, 4163431, 'global index = shard offset + local index');
    });
  }
});
