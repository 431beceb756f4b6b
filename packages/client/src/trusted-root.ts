import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { fail } from './fail.js';
import { Fields, readJson, type Json } from './json-fields.js';
import { KU, OID, isSelfIssued, parseCertificate, verifyCertificateSignature, type Certificate } from './x509.js';

/**
 * protobuf-specs TrustedRoot (v0.1 legacy and v0.2 media types) → `TrustMaterial`, the
 * parsed and pre-verified form reused across verifications: log keys as KeyObjects, log
 * IDs, and CA chains whose internal signatures, CA flags and path lengths were checked
 * once here. Every `validFor` needs a `start` (a missing bound is never "unbounded",
 * RS-51); `end` is optional and inclusive. Failures raise ERR_VERIFY_TRUSTED_ROOT.
 */
export interface ValidFor {
  /** Milliseconds since the epoch, inclusive. */
  start: number;
  /** Inclusive; Infinity when open. */
  end: number;
}

export interface TransparencyLog {
  baseUrl: string;
  /** host[:port] of baseUrl: checkpoint signer names must be a substring of it. */
  host: string;
  logId: Buffer;
  checkpointKeyId?: Buffer;
  key: KeyObject;
  spki: Buffer;
  keyDetails: string;
  /** node:crypto hash for this key's signatures (null for Ed25519). */
  hash: string | null;
  validFor: ValidFor;
}

/** A CA or TSA: its chain (leaf/intermediate first, trust anchor last), checked once. */
export interface CertificateAuthority {
  uri: string;
  chain: Certificate[];
  validFor: ValidFor;
  /**
   * CAs: for each index k, whether chain[k..] is a valid issuer side for a leaf issued by
   * chain[k] (CA flags, path lengths), with the window in which all of chain[k..] are valid;
   * undefined where unusable. TSAs: one entry, the window of the whole chain.
   */
  tails: ({ notBefore: number; notAfter: number } | undefined)[];
  /** Why this authority is unusable, if it is. */
  error?: string;
}

export interface TrustMaterial {
  mediaType: string;
  tlogs: TransparencyLog[];
  ctlogs: TransparencyLog[];
  certificateAuthorities: CertificateAuthority[];
  timestampAuthorities: CertificateAuthority[];
  /** CA certificates by hex subject DER, for issuer lookup: [authority, index in its chain]. */
  caBySubject: Map<string, [CertificateAuthority, number][]>;
  /** Trust-anchor DERs (hex) of every usable CA, to recognise a root copied into a bundle. */
  anchors: Set<string>;
  /** Log or authority entries skipped as unsupported (key type) or unusable. */
  skipped: string[];
}

const MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
]);

/** keyDetails → [key encoding, node hash, expected key check]. */
const KEY_DETAILS: Record<string, { format: 'spki' | 'pkcs1'; hash: string | null; type: string; curve?: string }> = {
  PKIX_ECDSA_P256_SHA_256: { format: 'spki', hash: 'sha256', type: 'ec', curve: 'prime256v1' },
  PKIX_ECDSA_P384_SHA_384: { format: 'spki', hash: 'sha384', type: 'ec', curve: 'secp384r1' },
  PKIX_ECDSA_P521_SHA_512: { format: 'spki', hash: 'sha512', type: 'ec', curve: 'secp521r1' },
  PKIX_ED25519: { format: 'spki', hash: null, type: 'ed25519' },
  PKIX_RSA_PKCS1V15_2048_SHA256: { format: 'spki', hash: 'sha256', type: 'rsa' },
  PKIX_RSA_PKCS1V15_3072_SHA256: { format: 'spki', hash: 'sha256', type: 'rsa' },
  PKIX_RSA_PKCS1V15_4096_SHA256: { format: 'spki', hash: 'sha256', type: 'rsa' },
  PKIX_RSA_PKCS1V5: { format: 'spki', hash: 'sha256', type: 'rsa' },
  PKCS1_RSA_PKCS1V5: { format: 'pkcs1', hash: 'sha256', type: 'rsa' },
};

const MAX_ROOT_BYTES = 4 * 1024 * 1024;
const MAX_ITEMS = 256;
const F = new Fields('ERR_VERIFY_TRUSTED_ROOT');

/** Parse a TrustedRoot (JSON text, bytes, or parsed value) into reusable trust material. */
export function parseTrustedRoot(input: unknown): TrustMaterial {
  const root = F.object(readJson(input, 'ERR_VERIFY_TRUSTED_ROOT', 'trusted root', MAX_ROOT_BYTES), 'trusted root');
  const mediaType = F.string(root.mediaType, 'mediaType');
  if (!MEDIA_TYPES.has(mediaType)) return fail('ERR_VERIFY_TRUSTED_ROOT', `unsupported trusted root media type ${JSON.stringify(mediaType.slice(0, 100))}`);
  const skipped: string[] = [];
  const logs = (field: 'tlogs' | 'ctlogs'): TransparencyLog[] =>
    F.optArray(root[field], field, MAX_ITEMS).flatMap((t, i) => readLog(t, `${field}[${i}]`, skipped));
  const authorities = (field: 'certificateAuthorities' | 'timestampAuthorities'): CertificateAuthority[] =>
    F.optArray(root[field], field, MAX_ITEMS).flatMap((c, i) => readAuthority(c, `${field}[${i}]`, field === 'timestampAuthorities', skipped));
  const trust: TrustMaterial = {
    mediaType,
    tlogs: logs('tlogs'),
    ctlogs: logs('ctlogs'),
    certificateAuthorities: authorities('certificateAuthorities'),
    timestampAuthorities: authorities('timestampAuthorities'),
    caBySubject: new Map(),
    anchors: new Set(),
    skipped,
  };
  for (const ca of trust.certificateAuthorities) {
    if (ca.error) continue;
    ca.chain.forEach((c, k) => {
      if (!ca.tails[k]) return;
      const key = c.subject.toString('hex');
      const list = trust.caBySubject.get(key) ?? [];
      list.push([ca, k]);
      trust.caBySubject.set(key, list);
    });
    trust.anchors.add(ca.chain[ca.chain.length - 1]!.der.toString('hex'));
  }
  return trust;
}

function readValidFor(v: unknown, path: string): ValidFor {
  const vf = F.object(v, `${path}.validFor`);
  if (vf.start === undefined || vf.start === null) return fail('ERR_VERIFY_TRUSTED_ROOT', `${path}.validFor has no start`);
  const start = F.timestamp(vf.start, `${path}.validFor.start`);
  const end = vf.end === undefined || vf.end === null ? Infinity : F.timestamp(vf.end, `${path}.validFor.end`);
  if (end < start) return fail('ERR_VERIFY_TRUSTED_ROOT', `${path}.validFor ends before it starts`);
  return { start, end };
}

function readLog(v: unknown, path: string, skipped: string[]): TransparencyLog[] {
  const t = F.object(v, path);
  const baseUrl = F.nonEmptyString(t.baseUrl, `${path}.baseUrl`);
  let host: string;
  try {
    host = new URL(baseUrl).host;
  } catch {
    return fail('ERR_VERIFY_TRUSTED_ROOT', `${path}.baseUrl is not a URL`);
  }
  const pk = F.object(t.publicKey, `${path}.publicKey`);
  const validFor = readValidFor(pk.validFor, `${path}.publicKey`);
  const logId = F.bytes(F.object(t.logId, `${path}.logId`).keyId, `${path}.logId.keyId`);
  const cpk = F.optObject(t.checkpointKeyId, `${path}.checkpointKeyId`);
  const keyDetails = F.string(pk.keyDetails, `${path}.publicKey.keyDetails`);
  const rawBytes = F.bytes(pk.rawBytes, `${path}.publicKey.rawBytes`);
  const spec = KEY_DETAILS[keyDetails];
  if (!spec) {
    skipped.push(`${path}: unsupported key type ${keyDetails}`);
    return [];
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: rawBytes, format: 'der', type: spec.format });
  } catch (cause) {
    return fail('ERR_VERIFY_TRUSTED_ROOT', `${path}.publicKey.rawBytes is not a ${keyDetails} key`, cause);
  }
  if (key.asymmetricKeyType !== spec.type || (spec.curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== spec.curve)) {
    return fail('ERR_VERIFY_TRUSTED_ROOT', `${path}.publicKey does not match its keyDetails ${keyDetails}`);
  }
  const log: TransparencyLog = {
    baseUrl,
    host,
    logId,
    key,
    spki: key.export({ type: 'spki', format: 'der' }),
    keyDetails,
    hash: spec.hash,
    validFor,
  };
  if (cpk) log.checkpointKeyId = F.bytes(cpk.keyId, `${path}.checkpointKeyId.keyId`);
  return [log];
}

function readAuthority(v: unknown, path: string, isTsa: boolean, skipped: string[]): CertificateAuthority[] {
  const a = F.object(v, path);
  const validFor = readValidFor(a.validFor, path);
  const uri = a.uri === undefined ? '' : F.string(a.uri, `${path}.uri`);
  const chainObj: Json = F.optObject(a.certChain, `${path}.certChain`) ?? {};
  const raws = F.optArray(chainObj.certificates, `${path}.certChain.certificates`, 10).map((c, i) =>
    F.bytes(F.object(c, `${path}.certChain.certificates[${i}]`).rawBytes, `${path}.certChain.certificates[${i}].rawBytes`),
  );
  if (raws.length === 0) {
    skipped.push(`${path}: no certificates`);
    return [];
  }
  let chain: Certificate[];
  try {
    chain = raws.map((r) => parseCertificate(r));
  } catch (cause) {
    return fail('ERR_VERIFY_TRUSTED_ROOT', `${path}: ${(cause as Error).message}`, cause);
  }
  for (const c of chain) c.publicKey(); // parse each key once, here
  const ca: CertificateAuthority = { uri, chain, validFor, tails: [] };
  const err = checkChain(ca, isTsa);
  if (err) {
    ca.error = err;
    skipped.push(`${path}: ${err}`);
  }
  return [ca];
}

/** A certificate may issue others: CA flag set and, when KeyUsage is present, keyCertSign. */
export function canIssue(c: Certificate): boolean {
  return c.isCA && (c.keyUsage === undefined || (c.keyUsage & KU.keyCertSign) !== 0);
}

/**
 * Check a trusted chain once: the anchor is self-signed, each certificate is issued by the
 * next (names and signatures), issuers are CAs, path lengths hold. For a TSA the first
 * certificate is the signing leaf (not a CA, timeStamping EKU).
 */
function checkChain(ca: CertificateAuthority, isTsa: boolean): string | undefined {
  const chain = ca.chain;
  const n = chain.length;
  const anchor = chain[n - 1]!;
  if (!isSelfIssued(anchor) || !verifyCertificateSignature(anchor, anchor.publicKey())) return 'the last certificate is not a self-signed trust anchor';
  if (!(isTsa && n === 1) && !canIssue(anchor)) return 'the trust anchor is not a CA';
  for (let i = 0; i < n - 1; i++) {
    const c = chain[i]!;
    const up = chain[i + 1]!;
    if (!c.issuer.equals(up.subject) || !verifyCertificateSignature(c, up.publicKey())) return `certificate ${i} is not issued by certificate ${i + 1}`;
  }
  if (isTsa) {
    // [signing leaf, intermediates…, anchor]: one path, checked whole.
    const leaf = chain[0]!;
    if (leaf.isCA && n > 1) return 'the TSA signing certificate is a CA';
    if (!leaf.extKeyUsage?.includes(OID.ekuTimeStamping)) return 'the TSA signing certificate lacks the timeStamping EKU';
    const tail = n === 1 ? window(chain, 0) : pathTail(chain, 1);
    if (!tail) return 'the TSA chain violates a CA or path length constraint';
    ca.tails.push({ notBefore: Math.max(tail.notBefore, leaf.notBefore), notAfter: Math.min(tail.notAfter, leaf.notAfter) });
    return undefined;
  }
  // tails[k]: chain[k..] as the issuer side of a path [leaf, chain[k], …, anchor].
  for (let k = 0; k < n; k++) ca.tails.push(pathTail(chain, k));
  if (ca.tails.every((t) => t === undefined)) return 'no certificate in the chain can issue a leaf';
  return undefined;
}

/** chain[k..] as issuers above a leaf: every one a CA, path lengths respected; its validity window. */
function pathTail(chain: Certificate[], k: number): { notBefore: number; notAfter: number } | undefined {
  for (let j = k; j < chain.length; j++) {
    const c = chain[j]!;
    if (!canIssue(c)) return undefined;
    if (c.pathLen !== undefined && c.pathLen < j - k) return undefined;
  }
  return window(chain, k);
}

function window(chain: Certificate[], k: number): { notBefore: number; notAfter: number } {
  let notBefore = -Infinity;
  let notAfter = Infinity;
  for (let j = k; j < chain.length; j++) {
    notBefore = Math.max(notBefore, chain[j]!.notBefore);
    notAfter = Math.min(notAfter, chain[j]!.notAfter);
  }
  return { notBefore, notAfter };
}

export function validForContains(v: ValidFor, ms: number): boolean {
  return v.start <= ms && ms <= v.end;
}

/** SHA-256 of a DER SPKI (Rekor v1 log ID, CT log ID). */
export function spkiHash(spki: Uint8Array): Buffer {
  return createHash('sha256').update(spki).digest();
}
