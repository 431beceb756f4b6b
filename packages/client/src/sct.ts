import { createHash } from 'node:crypto';
import { TAG, content, header, readRoot, whole } from './der.js';
import { fail } from './fail.js';
import { validForContains, type TransparencyLog } from './trusted-root.js';
import { OID, findExtension, type Certificate } from './x509.js';
import { verifyWithKey } from '@sigil/core';

/**
 * Embedded SCTs (RFC 6962 §3.2–3.3): each SCT in the leaf's SCT list extension must come
 * from a CT log of the trusted root valid at the SCT's time and verify over the precert
 * entry rebuilt from the leaf's TBS without the SCT extension. At least `threshold`
 * logs must vouch. Failures: ERR_VERIFY_SCT.
 */
export interface VerifiedSct {
  logId: Buffer;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface Sct {
  logId: Buffer;
  timestamp: number;
  extensions: Buffer;
  hashAlgorithm: number;
  signatureAlgorithm: number;
  signature: Buffer;
}

const MAX_SCTS = 64;

export function verifyScts(leaf: Certificate, issuer: Certificate, ctlogs: readonly TransparencyLog[], threshold: number): VerifiedSct[] {
  if (threshold <= 0) return [];
  const ext = findExtension(leaf, OID.sctList);
  if (!ext) return fail('ERR_VERIFY_SCT', `signing certificate has no embedded SCT (need ${threshold})`);
  let scts: Sct[];
  try {
    scts = parseSctList(ext.value);
  } catch (cause) {
    return fail('ERR_VERIFY_SCT', `SCT list cannot be parsed: ${(cause as Error).message}`, cause);
  }
  const issuerKeyHash = createHash('sha256').update(issuer.spki).digest();
  const tbs = tbsWithoutSctList(leaf);
  const verified: VerifiedSct[] = [];
  for (const sct of scts) {
    const logs = ctlogs.filter((l) => l.logId.equals(sct.logId) && validForContains(l.validFor, sct.timestamp));
    if (logs.length === 0) fail('ERR_VERIFY_SCT', `SCT from a CT log not in the trusted root (or outside its validity): ${sct.logId.toString('base64')}`);
    if (sct.hashAlgorithm !== 4) fail('ERR_VERIFY_SCT', 'SCT hash algorithm is not SHA-256');
    const signed = precertSignedData(sct, issuerKeyHash, tbs);
    const ok = logs.some((l) => verifyWithKey(l.key, l.hash, signed, sct.signature));
    if (!ok) fail('ERR_VERIFY_SCT', 'SCT signature does not verify');
    if (verified.some((v) => v.logId.equals(sct.logId))) fail('ERR_VERIFY_SCT', 'duplicate SCT from one CT log');
    verified.push({ logId: sct.logId, timestamp: sct.timestamp });
  }
  if (verified.length < threshold) fail('ERR_VERIFY_SCT', `expected ${threshold} verified SCTs, got ${verified.length}`);
  return verified;
}

/** The SCT list extension value: an OCTET STRING holding the TLS-encoded list. */
export function parseSctList(extValue: Buffer): Sct[] {
  const list = content(extValue, readRoot(extValue, TAG.OCTET_STRING));
  const r = new Reader(list);
  const total = r.u16();
  if (total !== list.length - 2) throw new Error('SCT list length mismatch');
  const out: Sct[] = [];
  while (!r.done()) {
    const one = new Reader(r.bytes(r.u16()));
    const version = one.u8();
    if (version !== 0) throw new Error(`unsupported SCT version ${version}`);
    const logId = one.bytes(32);
    const timestamp = one.u64();
    const extensions = one.bytes(one.u16());
    const hashAlgorithm = one.u8();
    const signatureAlgorithm = one.u8();
    const signature = one.bytes(one.u16());
    if (!one.done()) throw new Error('trailing bytes in SCT');
    out.push({ logId, timestamp, extensions, hashAlgorithm, signatureAlgorithm, signature });
    if (out.length > MAX_SCTS) throw new Error('too many SCTs');
  }
  return out;
}

/** The leaf's TBSCertificate re-encoded without the SCT list extension (RFC 6962 §3.2). */
export function tbsWithoutSctList(leaf: Certificate): Buffer {
  const der = leaf.der;
  const wrapper = leaf.extWrapper;
  if (!wrapper) return leaf.tbs;
  const kept = leaf.extensions.filter((e) => e.oid !== OID.sctList).map((e) => whole(der, e.tlv));
  const before = der.subarray(leaf.tbsTlv.body, wrapper.start);
  let exts: Buffer[] = [];
  if (kept.length > 0) {
    const seqBody = Buffer.concat(kept);
    const seq = Buffer.concat([header(TAG.SEQUENCE, seqBody.length), seqBody]);
    exts = [header(0xa3, seq.length), seq];
  }
  const body = Buffer.concat([before, ...exts]);
  return Buffer.concat([header(TAG.SEQUENCE, body.length), body]);
}

function precertSignedData(sct: Sct, issuerKeyHash: Buffer, tbs: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0; // sct_version v1
  head[1] = 0; // signature_type certificate_timestamp
  head.writeUIntBE(Math.floor(sct.timestamp / 2 ** 32), 2, 4);
  head.writeUInt32BE(sct.timestamp % 2 ** 32, 6);
  head.writeUInt16BE(1, 10); // entry_type precert_entry
  const tbsLen = Buffer.alloc(3);
  tbsLen.writeUIntBE(tbs.length, 0, 3);
  const extLen = Buffer.alloc(2);
  extLen.writeUInt16BE(sct.extensions.length, 0);
  return Buffer.concat([head, issuerKeyHash, tbsLen, tbs, extLen, sct.extensions]);
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  done(): boolean {
    return this.at === this.buf.length;
  }
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error('truncated SCT data');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u64(): number {
    this.need(8);
    const hi = this.buf.readUInt32BE(this.at);
    const lo = this.buf.readUInt32BE(this.at + 4);
    this.at += 8;
    const v = hi * 2 ** 32 + lo;
    if (!Number.isSafeInteger(v)) throw new Error('SCT timestamp too large');
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
}
