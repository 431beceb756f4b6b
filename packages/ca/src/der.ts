/**
 * The few DER shapes a Fulcio leaf needs, written by hand so that every byte of the
 * certificate is ours to check (X.690 §8, definite lengths only). Each writer returns
 * one complete element; the constructed ones copy their children once.
 */

/** Identifier octets used here (universal class unless noted). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
} as const;

/** Longest content this writer will encode (4 length octets; certificates are far smaller). */
const MAX_LENGTH = 0xffffffff;

function headerLength(n: number): number {
  if (n < 0x80) return 2;
  if (n <= 0xff) return 3;
  if (n <= 0xffff) return 4;
  if (n <= 0xffffff) return 5;
  return 6;
}

/** Write tag and length at `out[at..]`; returns the offset of the content. */
function writeHeader(out: Buffer, at: number, tag: number, n: number): number {
  out[at] = tag;
  if (n < 0x80) {
    out[at + 1] = n;
    return at + 2;
  }
  const bytes = headerLength(n) - 2;
  out[at + 1] = 0x80 | bytes;
  for (let i = bytes; i > 0; i--, n = Math.floor(n / 256)) out[at + 1 + i] = n & 0xff;
  return at + 2 + bytes;
}

function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xfe || (tag & 0x1f) === 0x1f) throw new Error(`DER: unsupported tag ${tag}`);
}

/** One element: `tag`, the minimal definite length, then the concatenated `contents`. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  checkTag(tag);
  let n = 0;
  for (const c of contents) n += c.length;
  if (n > MAX_LENGTH) throw new Error('DER: content too long');
  const out = Buffer.allocUnsafe(headerLength(n) + n);
  let off = writeHeader(out, 0, tag, n);
  for (const c of contents) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

// ---- Deferred elements: a tree sized first and then written into one buffer, so that a
// certificate costs one allocation rather than one per element.

/** UTF-8 text as content octets (no header of its own): the text is written straight into the output. */
export class DerText {
  readonly length: number;
  constructor(readonly text: string) {
    this.length = Buffer.byteLength(text, 'utf8');
  }
}

/** An element whose content is its children, encoded when the whole tree is (`encode`). */
export class DerNode {
  /** Set while sizing. */
  contentLength = 0;
  constructor(readonly tag: number, readonly children: readonly DerInput[]) {
    checkTag(tag);
  }
}

export type DerInput = Uint8Array | DerText | DerNode;

/** A deferred element: `tag` over `children` (encoded bytes, text, or more deferred elements). */
export const node = (tag: number, ...children: DerInput[]): DerNode => new DerNode(tag, children);

function sizeOf(part: DerInput): number {
  if (!(part instanceof DerNode)) return part.length;
  let n = 0;
  for (const c of part.children) n += sizeOf(c);
  if (n > MAX_LENGTH) throw new Error('DER: content too long');
  part.contentLength = n;
  return headerLength(n) + n;
}

function writePart(out: Buffer, at: number, part: DerInput): number {
  if (part instanceof DerText) return at + out.write(part.text, at, part.length, 'utf8');
  if (!(part instanceof DerNode)) {
    out.set(part, at);
    return at + part.length;
  }
  let off = writeHeader(out, at, part.tag, part.contentLength);
  for (const c of part.children) off = writePart(out, off, c);
  return off;
}

/** The encodings of `parts`, one after the other, in one buffer. */
export function encode(...parts: DerInput[]): Buffer {
  let n = 0;
  for (const p of parts) n += sizeOf(p);
  const out = Buffer.allocUnsafe(n);
  let off = 0;
  for (const p of parts) off = writePart(out, off, p);
  if (off !== n) throw new Error('DER: encoding size mismatch');
  return out;
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...items);
export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, bytes);
export const utf8String = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));

/** Context-specific `[n]`: constructed (EXPLICIT, or IMPLICIT over a constructed type) or primitive (IMPLICIT). */
export function contextTag(n: number, constructed: boolean, ...contents: Uint8Array[]): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new Error(`DER: context tag [${n}] not supported`);
  return tlv((constructed ? 0xa0 : 0x80) | n, ...contents);
}

const TRUE = Buffer.from([TAG.BOOLEAN, 0x01, 0xff]);
const FALSE = Buffer.from([TAG.BOOLEAN, 0x01, 0x00]);
/** X.690 §11.1: TRUE is all ones. */
export const boolean = (v: boolean): Buffer => Buffer.from(v ? TRUE : FALSE);

/**
 * A non-negative INTEGER from its unsigned big-endian magnitude: leading zeros dropped,
 * one 0x00 put back when the top bit is set (X.690 §8.3.2).
 */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(i);
  return m[0]! & 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), m) : tlv(TAG.INTEGER, m);
}

/** A small non-negative INTEGER (a version number). */
export function smallInteger(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`DER: ${n} is not a non-negative integer`);
  const bytes: number[] = [];
  for (let v = n; ; v = Math.floor(v / 256)) {
    bytes.unshift(v & 0xff);
    if (v < 256) break;
  }
  return unsignedInteger(Uint8Array.from(bytes));
}

/** BIT STRING with `unusedBits` (0–7) padding bits at the end of the last octet. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (unusedBits > 0 && bytes.length === 0)) throw new Error('DER: bad BIT STRING padding');
  return tlv(TAG.BIT_STRING, Uint8Array.of(unusedBits), bytes);
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

function timeParts(date: Date): { year: number; rest: string } {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new Error('DER: invalid date');
  if (t % 1000 !== 0) throw new Error('DER: certificate times are whole seconds');
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return { year: date.getUTCFullYear(), rest };
}

/** UTCTime `YYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.1): years 1950–2049 only. */
export function utcTime(date: Date): Buffer {
  const { year, rest } = timeParts(date);
  if (year < 1950 || year > 2049) throw new Error(`DER: UTCTime cannot hold the year ${year}`);
  return tlv(TAG.UTC_TIME, Buffer.from(`${two(year % 100)}${rest}`, 'ascii'));
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.2): no fractional seconds. */
export function generalizedTime(date: Date): Buffer {
  const { year, rest } = timeParts(date);
  if (year < 0 || year > 9999) throw new Error(`DER: GeneralizedTime cannot hold the year ${year}`);
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${String(year).padStart(4, '0')}${rest}`, 'ascii'));
}

/** RFC 5280 §4.1.2.5 `Time`: UTCTime for 1950 through 2049, GeneralizedTime otherwise. */
export function certificateTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

const oidCache = new Map<string, Buffer>();
const OID_CACHE_MAX = 512;

/** OBJECT IDENTIFIER from dotted text (memoized: certificates repeat a small set of OIDs). */
export function objectIdentifier(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const der = encodeObjectIdentifier(dotted);
  if (oidCache.size < OID_CACHE_MAX) oidCache.set(dotted, der);
  return der;
}

function encodeObjectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^(0|[1-9][0-9]*)$/.test(a)) throw new Error(`bad OID ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n)) throw new Error(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (v: bigint) => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (let x = v >> 7n; x > 0n; x >>= 7n) chunk.unshift(Number(x & 0x7fn) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Buffer.from(out));
}

export interface DerElement {
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** The whole element: identifier, length and content. */
  raw: Buffer;
  /** Bytes after this element. */
  rest: Buffer;
}

/** Read one element; throws on anything truncated or not minimally encoded in length. */
export function readElement(buf: Buffer): DerElement {
  if (buf.length < 2) throw new Error('DER: truncated');
  const tag = buf[0]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not supported');
  let len = buf[1]!;
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || buf.length < 2 + n) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[2 + i]!;
    if (len < 0x80 || buf[2] === 0) throw new Error('DER: length not minimal');
    off = 2 + n;
  }
  if (buf.length < off + len) throw new Error('DER: truncated');
  return { tag, content: buf.subarray(off, off + len), raw: buf.subarray(0, off + len), rest: buf.subarray(off + len) };
}

/** The children of a constructed element's content. */
export function readChildren(content: Buffer): DerElement[] {
  const out: DerElement[] = [];
  let rest = content;
  while (rest.length > 0) {
    const e = readElement(rest);
    out.push(e);
    rest = e.rest;
  }
  return out;
}
