/**
 * The few DER shapes a Fulcio leaf needs, written by hand so that every byte of the
 * certificate is ours to check (X.690 §8, definite lengths only).
 */

export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items));
export const octetString = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));

export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^(0|[1-9][0-9]*)$/.test(a)) throw new Error(`bad OID ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2) throw new Error(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (v: bigint) => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (let x = v >> 7n; x > 0n; x >>= 7n) chunk.unshift(Number(x & 0x7fn) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(0x06, Buffer.from(out));
}

export interface DerElement {
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** Bytes after this element. */
  rest: Buffer;
}

/** Read one element; throws on anything truncated or not minimally encoded in length. */
export function readElement(buf: Buffer): DerElement {
  if (buf.length < 2) throw new Error('DER: truncated');
  const tag = buf[0]!;
  let len = buf[1]!;
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || buf.length < 2 + n) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[2 + i]!;
    if (len < 0x80) throw new Error('DER: length not minimal');
    off = 2 + n;
  }
  if (buf.length < off + len) throw new Error('DER: truncated');
  return { tag, content: buf.subarray(off, off + len), rest: buf.subarray(off + len) };
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
