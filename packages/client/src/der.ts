/**
 * A small strict DER reader: just enough ASN.1 for certificates, SCT lists and RFC 3161
 * tokens. Single-byte tags, definite minimal lengths, nothing past a value's end. A `Tlv`
 * holds offsets into the buffer it was read from, so re-slicing exact encodings (the TBS,
 * a Name, signed attributes) costs nothing.
 */
export class DerError extends Error {
  override readonly name = 'DerError';
}

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  body: number;
  /** Offset just past the value. */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Read one TLV starting at `pos`; it must end at or before `limit`. */
export function readTlv(buf: Uint8Array, pos: number, limit = buf.length): Tlv {
  if (pos + 2 > limit) throw new DerError('truncated DER value');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let len = buf[pos + 1]!;
  let body = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite DER length');
    if (n > 4) throw new DerError('DER length too large');
    if (body + n > limit) throw new DerError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i]!;
    if (buf[body] === 0 || len < 0x80) throw new DerError('non-minimal DER length');
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new DerError('truncated DER value');
  return { tag, start: pos, body, end };
}

/** Read a whole buffer as exactly one TLV. */
export function readRoot(buf: Uint8Array, tag?: number): Tlv {
  const t = readTlv(buf, 0);
  if (t.end !== buf.length) throw new DerError('trailing bytes after DER value');
  if (tag !== undefined && t.tag !== tag) throw new DerError(`expected DER tag 0x${tag.toString(16)}`);
  return t;
}

/** The TLVs directly inside a constructed value. */
export function children(buf: Uint8Array, parent: Tlv, max = 100_000): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.body;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    if (out.length > max) throw new DerError('too many DER elements');
    pos = t.end;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t === undefined || t.tag !== tag) throw new DerError(`${what}: unexpected or missing DER element`);
  return t;
}

export function content(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.body, t.end - t.body);
}

export function whole(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.start, t.end - t.start);
}

export function readOid(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== TAG.OID || t.end === t.body) throw new DerError('expected an OBJECT IDENTIFIER');
  const parts: number[] = [];
  let v = 0;
  let first = true;
  for (let i = t.body; i < t.end; i++) {
    const b = buf[i]!;
    if (v === 0 && b === 0x80) throw new DerError('non-minimal OID arc');
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) throw new DerError('OID arc too large');
    if (b & 0x80) continue;
    if (first) {
      const a = v < 40 ? 0 : v < 80 ? 1 : 2;
      parts.push(a, v - a * 40);
      first = false;
    } else parts.push(v);
    v = 0;
  }
  if (buf[t.end - 1]! & 0x80) throw new DerError('truncated OID');
  return parts.join('.');
}

/** A small non-negative INTEGER (versions, path lengths, status codes). */
export function readSmallInt(buf: Uint8Array, t: Tlv): number {
  if (t.tag !== TAG.INTEGER || t.end === t.body || t.end - t.body > 6) throw new DerError('expected a small INTEGER');
  if (buf[t.body]! & 0x80) throw new DerError('negative INTEGER');
  let v = 0;
  for (let i = t.body; i < t.end; i++) v = v * 256 + buf[i]!;
  return v;
}

export function readBoolean(buf: Uint8Array, t: Tlv): boolean {
  if (t.tag !== TAG.BOOLEAN || t.end - t.body !== 1) throw new DerError('expected a BOOLEAN');
  return buf[t.body] !== 0;
}

/** BIT STRING contents without the unused-bits byte (which must be 0 for signatures and keys). */
export function readBitString(buf: Uint8Array, t: Tlv): { bits: Buffer; unused: number } {
  if (t.tag !== TAG.BIT_STRING || t.end === t.body) throw new DerError('expected a BIT STRING');
  const unused = buf[t.body]!;
  if (unused > 7) throw new DerError('malformed BIT STRING');
  return { bits: Buffer.from(buf.buffer, buf.byteOffset + t.body + 1, t.end - t.body - 1), unused };
}

/** UTCTime or GeneralizedTime (with optional fractional seconds), UTC only. Milliseconds since the epoch. */
export function readTime(buf: Uint8Array, t: Tlv): number {
  const s = Buffer.from(buf.buffer, buf.byteOffset + t.body, t.end - t.body).toString('latin1');
  let m: RegExpExecArray | null;
  if (t.tag === TAG.UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new DerError('malformed UTCTime');
    const yy = Number(m[1]);
    return Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  if (t.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/.exec(s);
    if (!m) throw new DerError('malformed GeneralizedTime');
    const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + ms;
  }
  throw new DerError('expected a time value');
}

/** DER header (tag + length) for a value of `len` bytes. */
export function header(tag: number, len: number): Buffer {
  if (len < 0x80) return Buffer.from([tag, len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}
