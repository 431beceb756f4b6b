import type { KeyObject } from 'node:crypto';
import { importSpki, verifyWithKey } from '@sigil/core';
import {
  DerError, TAG, children, content, expectTag, readBitString, readBoolean, readOid, readRoot, readSmallInt, readTime, readTlv, whole,
  type Tlv,
} from './der.js';

/**
 * X.509 certificates, parsed once with the DER reader: the fields path building, the
 * Fulcio profile, SCT checks and identity policy need, plus exact byte ranges (TBS,
 * Names, SPKI) so comparisons and signature checks work on the signed bytes.
 * Signatures are checked with node:crypto over the TBS.
 */
export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ekuCodeSigning: '1.3.6.1.5.5.7.3.3',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
  fulcioPrefix: '1.3.6.1.4.1.57264.1.',
  fulcioIssuerV1: '1.3.6.1.4.1.57264.1.1',
  fulcioIssuerV2: '1.3.6.1.4.1.57264.1.8',
  fulcioOtherNameSan: '1.3.6.1.4.1.57264.1.7',
} as const;

/** KeyUsage bits (RFC 5280 §4.2.1.3), as the first two BIT STRING bytes big-endian. */
export const KU = { digitalSignature: 0x8000, keyCertSign: 0x0400 } as const;

export interface Extension {
  oid: string;
  critical: boolean;
  /** extnValue OCTET STRING contents. */
  value: Buffer;
  /** The whole Extension TLV, offsets into the certificate DER. */
  tlv: Tlv;
}

export interface Certificate {
  der: Buffer;
  /** The TBSCertificate TLV (offsets into `der`) and its bytes. */
  tbsTlv: Tlv;
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
  version: number;
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: number;
  notAfter: number;
  spki: Buffer;
  /** The [3] extensions wrapper and the SEQUENCE inside it (for SCT TBS reconstruction). */
  extWrapper?: Tlv;
  extensions: Extension[];
  isCA: boolean;
  pathLen?: number;
  keyUsage?: number;
  extKeyUsage?: string[];
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  /** SAN values: email, URI, DNS name, or the Fulcio OtherName (username) text. */
  san: string[];
  publicKey(): KeyObject;
}

const SIG_HASH: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

/** The hash node:crypto needs for a signature algorithm OID; undefined if unsupported. */
export function signatureHash(oid: string): string | null | undefined {
  return oid in SIG_HASH ? SIG_HASH[oid] : undefined;
}

export function parseCertificate(der: Uint8Array): Certificate {
  try {
    return parse(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch (err) {
    if (err instanceof DerError) throw new DerError(`certificate: ${err.message}`);
    throw err;
  }
}

function parse(der: Buffer): Certificate {
  const root = readRoot(der, TAG.SEQUENCE);
  const [tbsTlv, sigAlg, sigVal, extra] = children(der, root, 4);
  if (extra !== undefined) throw new DerError('too many certificate fields');
  expectTag(tbsTlv, TAG.SEQUENCE, 'tbsCertificate');
  expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm');
  expectTag(sigVal, TAG.BIT_STRING, 'signatureValue');
  const tbsT = tbsTlv!;
  const f = children(der, tbsT, 12);
  let i = 0;
  let version = 1;
  if (f[0]?.tag === 0xa0) {
    const v = readTlv(der, f[0].body, f[0].end);
    version = readSmallInt(der, v) + 1;
    i = 1;
  }
  const serial = content(der, expectTag(f[i++], TAG.INTEGER, 'serialNumber'));
  const innerAlg = expectTag(f[i++], TAG.SEQUENCE, 'signature');
  if (!whole(der, innerAlg).equals(whole(der, sigAlg!))) throw new DerError('inner and outer signature algorithms differ');
  const issuer = whole(der, expectTag(f[i++], TAG.SEQUENCE, 'issuer'));
  const validity = children(der, expectTag(f[i++], TAG.SEQUENCE, 'validity'), 2);
  if (validity.length !== 2) throw new DerError('validity must have two times');
  const notBefore = readTime(der, validity[0]!);
  const notAfter = readTime(der, validity[1]!);
  const subject = whole(der, expectTag(f[i++], TAG.SEQUENCE, 'subject'));
  const spki = whole(der, expectTag(f[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo'));
  let extWrapper: Tlv | undefined;
  for (; i < f.length; i++) {
    const t = f[i]!;
    if (t.tag === 0x81 || t.tag === 0x82 || t.tag === 0xa1 || t.tag === 0xa2) continue; // unique IDs
    if (t.tag === 0xa3 && i === f.length - 1) extWrapper = t;
    else throw new DerError('unexpected field in tbsCertificate');
  }
  const { bits: signature, unused } = readBitString(der, sigVal!);
  if (unused !== 0) throw new DerError('signature has unused bits');
  const algOid = readOid(der, expectTag(children(der, sigAlg!)[0], TAG.OID, 'signature algorithm'));

  const cert: Certificate = {
    der,
    tbsTlv: tbsT,
    tbs: whole(der, tbsT),
    signatureAlgorithm: algOid,
    signature,
    version,
    serial,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    extWrapper,
    extensions: [],
    isCA: false,
    san: [],
    publicKey: lazyKey(spki),
  };
  if (extWrapper) readExtensions(der, extWrapper, cert);
  return cert;
}

function lazyKey(spki: Buffer): () => KeyObject {
  let key: KeyObject | undefined;
  return () => (key ??= importSpki(spki));
}

function readExtensions(der: Buffer, wrapper: Tlv, cert: Certificate): void {
  if (cert.version !== 3) throw new DerError('extensions in a non-v3 certificate');
  const seqs = children(der, wrapper, 1);
  const seq = expectTag(seqs[0], TAG.SEQUENCE, 'extensions');
  if (seqs.length !== 1) throw new DerError('malformed extensions');
  const seen = new Set<string>();
  for (const e of children(der, seq, 256)) {
    const parts = children(der, expectTag(e, TAG.SEQUENCE, 'extension'), 3);
    const oid = readOid(der, expectTag(parts[0], TAG.OID, 'extnID'));
    let critical = false;
    let vi = 1;
    if (parts[1]?.tag === TAG.BOOLEAN) {
      critical = readBoolean(der, parts[1]);
      vi = 2;
    }
    const valueTlv = expectTag(parts[vi], TAG.OCTET_STRING, 'extnValue');
    if (parts.length !== vi + 1) throw new DerError('malformed extension');
    if (seen.has(oid)) throw new DerError(`duplicate extension ${oid}`);
    seen.add(oid);
    const value = content(der, valueTlv);
    cert.extensions.push({ oid, critical, value, tlv: e });
    decodeKnown(oid, value, cert);
  }
}

function decodeKnown(oid: string, v: Buffer, cert: Certificate): void {
  switch (oid) {
    case OID.basicConstraints: {
      const seq = readRoot(v, TAG.SEQUENCE);
      const parts = children(v, seq, 2);
      let k = 0;
      if (parts[k]?.tag === TAG.BOOLEAN) cert.isCA = readBoolean(v, parts[k++]!);
      if (parts[k]?.tag === TAG.INTEGER) cert.pathLen = readSmallInt(v, parts[k++]!);
      if (k !== parts.length) throw new DerError('malformed basicConstraints');
      return;
    }
    case OID.keyUsage: {
      const { bits } = readBitString(v, readRoot(v, TAG.BIT_STRING));
      cert.keyUsage = ((bits[0] ?? 0) << 8) | (bits[1] ?? 0);
      return;
    }
    case OID.extKeyUsage: {
      const seq = readRoot(v, TAG.SEQUENCE);
      cert.extKeyUsage = children(v, seq, 64).map((t) => readOid(v, t));
      return;
    }
    case OID.subjectKeyIdentifier:
      cert.subjectKeyId = content(v, readRoot(v, TAG.OCTET_STRING));
      return;
    case OID.authorityKeyIdentifier: {
      const seq = readRoot(v, TAG.SEQUENCE);
      const kid = children(v, seq, 3).find((t) => t.tag === 0x80);
      if (kid) cert.authorityKeyId = content(v, kid);
      return;
    }
    case OID.subjectAltName:
      cert.san = readGeneralNames(v);
      return;
    default:
      return;
  }
}

function readGeneralNames(v: Buffer): string[] {
  const seq = readRoot(v, TAG.SEQUENCE);
  const out: string[] = [];
  for (const n of children(v, seq, 64)) {
    switch (n.tag) {
      case 0x81: // rfc822Name
      case 0x82: // dNSName
      case 0x86: // uniformResourceIdentifier
        out.push(content(v, n).toString('utf8'));
        break;
      case 0xa0: {
        // otherName: type-id OID, [0] EXPLICIT value. Fulcio's username SAN is a UTF8String.
        const [typeId, wrapped] = children(v, n, 2);
        if (!typeId || !wrapped || wrapped.tag !== 0xa0) throw new DerError('malformed otherName');
        if (readOid(v, typeId) !== OID.fulcioOtherNameSan) break;
        const inner = readTlv(v, wrapped.body, wrapped.end);
        if (inner.tag !== TAG.UTF8_STRING) throw new DerError('otherName value is not a UTF8String');
        out.push(content(v, inner).toString('utf8'));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

export function findExtension(cert: Certificate, oid: string): Extension | undefined {
  return cert.extensions.find((e) => e.oid === oid);
}

/** Verify `cert`'s signature with `issuerKey` (node:crypto over the TBS). */
export function verifyCertificateSignature(cert: Certificate, issuerKey: KeyObject): boolean {
  const hash = signatureHash(cert.signatureAlgorithm);
  if (hash === undefined) return false;
  return verifyWithKey(issuerKey, hash, cert.tbs, cert.signature);
}

export function validAt(cert: Certificate, ms: number): boolean {
  return cert.notBefore <= ms && ms <= cert.notAfter;
}

export function isSelfIssued(cert: Certificate): boolean {
  return cert.subject.equals(cert.issuer);
}

/**
 * Sigstore extension values by OID: `.1`–`.6` hold raw UTF-8 bytes, `.8` and up a DER
 * UTF8String (read raw if it does not parse as one).
 */
export function fulcioExtensions(cert: Certificate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of cert.extensions) {
    if (!e.oid.startsWith(OID.fulcioPrefix)) continue;
    const arc = Number(e.oid.slice(OID.fulcioPrefix.length));
    out[e.oid] = arc >= 8 ? utf8StringOrRaw(e.value) : e.value.toString('utf8');
  }
  return out;
}

function utf8StringOrRaw(v: Buffer): string {
  try {
    const t = readRoot(v);
    if (t.tag === TAG.UTF8_STRING) return content(v, t).toString('utf8');
  } catch {
    /* fall through */
  }
  return v.toString('utf8');
}

/** The OIDC issuer: `.1.8` (UTF8String), falling back to the deprecated raw `.1.1`. */
export function fulcioIssuer(cert: Certificate): string | undefined {
  const v2 = findExtension(cert, OID.fulcioIssuerV2);
  if (v2) {
    const t = readRoot(v2.value);
    if (t.tag !== TAG.UTF8_STRING) throw new DerError('issuer extension 1.3.6.1.4.1.57264.1.8 is not a UTF8String');
    return content(v2.value, t).toString('utf8');
  }
  return findExtension(cert, OID.fulcioIssuerV1)?.value.toString('utf8');
}
