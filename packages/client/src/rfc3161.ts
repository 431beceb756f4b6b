import { createHash, verify as nodeVerify } from 'node:crypto';
import { DerError, TAG, children, content, expectTag, readOid, readRoot, readSmallInt, readTime, readTlv, whole, type Tlv } from './der.js';
import { fail } from './fail.js';
import { validForContains, type CertificateAuthority } from './trusted-root.js';

/**
 * RFC 3161 TimeStampResp → verified genTime. The token is CMS SignedData (RFC 5652) over
 * a TSTInfo whose messageImprint must cover the bundle's signature bytes (PROTOCOLS §10);
 * the signer must be the leaf of a trusted-root timestamp authority whose `validFor` and
 * whose whole chain are valid at genTime; certificates embedded in the token are ignored.
 * Failures: ERR_VERIFY_TIMESTAMP.
 */
export interface TimestampToken {
  genTime: number;
  imprintHash: string;
  imprint: Buffer;
  /** Signer identity: issuer Name DER + serial INTEGER contents, or a subject key identifier. */
  sid: { issuer: Buffer; serial: Buffer } | { keyId: Buffer };
  /** TSTInfo DER (the eContent). */
  tstInfo: Buffer;
  digestHash: string;
  /** signedAttrs re-tagged as SET OF (the bytes the signature covers). */
  signedAttrs: Buffer;
  contentType?: string;
  messageDigest?: Buffer;
  /** ESS signing certificate: hash algorithm and hash of the signer's certificate, if present. */
  signingCert?: { hash: string; value: Buffer };
  signatureAlgorithm: string;
  signature: Buffer;
}

const OIDS = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
};

const HASH_OIDS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithm → hash; '' = use the SignerInfo digest algorithm; null = Ed25519. */
const SIG_OIDS: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.10045.2.1': '',
  '1.2.840.113549.1.1.1': '',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

function hashOf(buf: Buffer, algId: Tlv): string {
  const oid = readOid(buf, expectTag(children(buf, algId)[0], TAG.OID, 'algorithm'));
  const h = HASH_OIDS[oid];
  if (!h) throw new DerError(`unsupported hash algorithm ${oid}`);
  return h;
}

export function parseTimestampResponse(der: Buffer): TimestampToken {
  const resp = readRoot(der, TAG.SEQUENCE);
  const [statusInfo, token] = children(der, resp, 2);
  const status = readSmallInt(der, expectTag(children(der, expectTag(statusInfo, TAG.SEQUENCE, 'PKIStatusInfo'))[0], TAG.INTEGER, 'status'));
  if (status !== 0 && status !== 1) throw new DerError(`timestamp was not granted (status ${status})`);
  const ci = children(der, expectTag(token, TAG.SEQUENCE, 'timeStampToken'), 2);
  if (readOid(der, expectTag(ci[0], TAG.OID, 'contentType')) !== OIDS.signedData) throw new DerError('timestamp token is not SignedData');
  const sdWrap = expectTag(ci[1], 0xa0, 'content');
  const sd = readTlv(der, sdWrap.body, sdWrap.end);
  const sdParts = children(der, expectTag(sd, TAG.SEQUENCE, 'SignedData'), 8);
  const encap = children(der, expectTag(sdParts[2], TAG.SEQUENCE, 'encapContentInfo'), 2);
  if (readOid(der, expectTag(encap[0], TAG.OID, 'eContentType')) !== OIDS.tstInfo) throw new DerError('timestamp content is not TSTInfo');
  const eWrap = expectTag(encap[1], 0xa0, 'eContent');
  const tstOctets = readTlv(der, eWrap.body, eWrap.end);
  const tstInfo = content(der, expectTag(tstOctets, TAG.OCTET_STRING, 'eContent'));
  const signerInfos = children(der, expectTag(sdParts[sdParts.length - 1], TAG.SET, 'signerInfos'), 2);
  if (signerInfos.length !== 1) throw new DerError('timestamp must have exactly one signer');

  // TSTInfo
  const tst = children(tstInfo, readRoot(tstInfo, TAG.SEQUENCE), 12);
  if (readSmallInt(tstInfo, expectTag(tst[0], TAG.INTEGER, 'TSTInfo version')) !== 1) throw new DerError('unsupported TSTInfo version');
  const mi = children(tstInfo, expectTag(tst[2], TAG.SEQUENCE, 'messageImprint'), 2);
  const imprintHash = hashOf(tstInfo, expectTag(mi[0], TAG.SEQUENCE, 'hashAlgorithm'));
  const imprint = content(tstInfo, expectTag(mi[1], TAG.OCTET_STRING, 'hashedMessage'));
  const genTime = readTime(tstInfo, expectTag(tst[4], TAG.GENERALIZED_TIME, 'genTime'));

  // SignerInfo
  const si = children(der, expectTag(signerInfos[0], TAG.SEQUENCE, 'SignerInfo'), 7);
  const sidT = si[1];
  let sid: TimestampToken['sid'];
  if (sidT?.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(der, sidT, 2);
    sid = { issuer: whole(der, expectTag(issuer, TAG.SEQUENCE, 'issuer')), serial: content(der, expectTag(serial, TAG.INTEGER, 'serial')) };
  } else if (sidT?.tag === 0x80) {
    sid = { keyId: content(der, sidT) };
  } else throw new DerError('malformed signer identifier');
  const digestHash = hashOf(der, expectTag(si[2], TAG.SEQUENCE, 'digestAlgorithm'));
  const attrsT = expectTag(si[3], 0xa0, 'signedAttrs');
  const signedAttrs = Buffer.from(whole(der, attrsT));
  signedAttrs[0] = TAG.SET;
  const sigAlg = readOid(der, expectTag(children(der, expectTag(si[4], TAG.SEQUENCE, 'signatureAlgorithm'))[0], TAG.OID, 'signature algorithm'));
  const signature = content(der, expectTag(si[5], TAG.OCTET_STRING, 'signature'));
  const out: TimestampToken = { genTime, imprintHash, imprint, sid, tstInfo, digestHash, signedAttrs, signatureAlgorithm: sigAlg, signature };

  for (const a of children(der, attrsT, 64)) {
    const [typeT, valuesT] = children(der, expectTag(a, TAG.SEQUENCE, 'attribute'), 2);
    const type = readOid(der, expectTag(typeT, TAG.OID, 'attribute type'));
    const values = children(der, expectTag(valuesT, TAG.SET, 'attribute values'), 4);
    if (values.length !== 1) throw new DerError('signed attribute must have one value');
    const v = values[0]!;
    if (type === OIDS.contentType) out.contentType = readOid(der, v);
    else if (type === OIDS.messageDigest) out.messageDigest = content(der, expectTag(v, TAG.OCTET_STRING, 'messageDigest'));
    else if (type === OIDS.signingCertificateV2 || type === OIDS.signingCertificate) out.signingCert = readEssCertId(der, v, type === OIDS.signingCertificateV2);
  }
  return out;
}

/** SigningCertificate(V2) → the first ESSCertID(v2)'s hash (SHA-1 for v1, default SHA-256 for v2). */
function readEssCertId(der: Buffer, v: Tlv, v2: boolean): { hash: string; value: Buffer } {
  const certs = children(der, expectTag(children(der, expectTag(v, TAG.SEQUENCE, 'SigningCertificate'))[0], TAG.SEQUENCE, 'certs'));
  const id = children(der, expectTag(certs[0], TAG.SEQUENCE, 'ESSCertID'));
  if (!v2) return { hash: 'sha1', value: content(der, expectTag(id[0], TAG.OCTET_STRING, 'certHash')) };
  if (id[0]?.tag === TAG.SEQUENCE) return { hash: hashOf(der, id[0]), value: content(der, expectTag(id[1], TAG.OCTET_STRING, 'certHash')) };
  return { hash: 'sha256', value: content(der, expectTag(id[0], TAG.OCTET_STRING, 'certHash')) };
}

/** Verify a timestamp over `signature` against the trusted TSAs; returns genTime (ms). */
export function verifyTimestamp(der: Buffer, signature: Buffer, authorities: readonly CertificateAuthority[]): number {
  let ts: TimestampToken;
  try {
    ts = parseTimestampResponse(der);
  } catch (cause) {
    return fail('ERR_VERIFY_TIMESTAMP', `RFC 3161 timestamp cannot be parsed: ${(cause as Error).message}`, cause);
  }
  if (!createHash(ts.imprintHash).update(signature).digest().equals(ts.imprint)) {
    fail('ERR_VERIFY_TIMESTAMP', 'RFC 3161 timestamp message imprint does not cover the bundle signature');
  }
  if (ts.contentType !== OIDS.tstInfo) fail('ERR_VERIFY_TIMESTAMP', 'RFC 3161 timestamp signed content type is not TSTInfo');
  if (!ts.messageDigest || !createHash(ts.digestHash).update(ts.tstInfo).digest().equals(ts.messageDigest)) {
    fail('ERR_VERIFY_TIMESTAMP', 'RFC 3161 timestamp signed attributes do not match its TSTInfo');
  }
  let reason = 'RFC 3161 timestamp is not signed by a trusted timestamp authority';
  for (const tsa of authorities) {
    if (tsa.error) continue;
    const leaf = tsa.chain[0]!;
    const sidOk = 'keyId' in ts.sid ? leaf.subjectKeyId?.equals(ts.sid.keyId) === true : leaf.issuer.equals(ts.sid.issuer) && leaf.serial.equals(ts.sid.serial);
    if (!sidOk) continue;
    if (!validForContains(tsa.validFor, ts.genTime)) {
      reason = `RFC 3161 timestamp time ${new Date(ts.genTime).toISOString()} is outside the timestamp authority's validity`;
      continue;
    }
    const window = tsa.tails[0]!;
    if (ts.genTime < window.notBefore || ts.genTime > window.notAfter) {
      reason = `RFC 3161 timestamp time ${new Date(ts.genTime).toISOString()} is outside the TSA certificate chain's validity`;
      continue;
    }
    if (ts.signingCert && !createHash(ts.signingCert.hash).update(leaf.der).digest().equals(ts.signingCert.value)) {
      reason = 'RFC 3161 timestamp names another signing certificate';
      continue;
    }
    const algHash = SIG_OIDS[ts.signatureAlgorithm];
    if (algHash === undefined) {
      reason = `RFC 3161 timestamp signature algorithm ${ts.signatureAlgorithm} is not supported`;
      continue;
    }
    let ok = false;
    try {
      ok = nodeVerify(algHash === '' ? ts.digestHash : algHash, ts.signedAttrs, leaf.publicKey(), ts.signature);
    } catch {
      ok = false;
    }
    if (ok) return ts.genTime;
    reason = 'RFC 3161 timestamp signature does not verify';
  }
  return fail('ERR_VERIFY_TIMESTAMP', reason);
}

/** genTime of a token without verifying it (to know which times the certificate must cover). */
export function claimedTimestampTime(der: Buffer): number | undefined {
  try {
    return parseTimestampResponse(der).genTime;
  } catch {
    return undefined;
  }
}
