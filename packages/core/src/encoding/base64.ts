import { SigilError } from '../errors.js';

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict RFC 4648 §4 base64 (standard alphabet, padded). Node's own decoder skips
 * bad characters silently; an attacker-chosen string must not decode to something
 * other than what a strict peer (Go's encoding/base64) would see.
 */
export function decodeBase64(text: string, what = 'value'): Buffer {
  if (!STD.test(text)) throw new SigilError('ERR_ENCODING', `${what} is not valid base64`);
  return Buffer.from(text, 'base64');
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function isBase64(text: string): boolean {
  return STD.test(text);
}
