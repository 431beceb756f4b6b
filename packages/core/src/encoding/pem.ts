import { SigilError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';

export interface PemBlock {
  type: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. Headers inside a block (RFC 1421) are refused. */
export function decodePemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = (m[2] ?? '').replace(/\s+/g, '');
    out.push({ type: m[1] ?? '', der: decodeBase64(body, `PEM ${m[1] ?? ''} body`) });
  }
  return out;
}

/** Exactly one PEM block; its type must be one of `types` when given. */
export function decodePem(text: string, types?: readonly string[]): PemBlock {
  const blocks = decodePemBlocks(text);
  const first = blocks[0];
  if (blocks.length !== 1 || first === undefined) {
    throw new SigilError('ERR_ENCODING', `expected exactly one PEM block, found ${blocks.length}`);
  }
  if (types && !types.includes(first.type)) {
    throw new SigilError('ERR_ENCODING', `unexpected PEM block type ${first.type}`);
  }
  return first;
}

/** PEM with 64-column lines and a final newline, as Go's encoding/pem writes it. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = encodeBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}
