import { SigilError } from '../errors.js';

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex only, as Rekor emits and indexes it. */
export function decodeHex(text: string, what = 'value', bytes?: number): Buffer {
  if (!HEX.test(text)) throw new SigilError('ERR_ENCODING', `${what} is not lowercase hex`);
  if (bytes !== undefined && text.length !== bytes * 2) {
    throw new SigilError('ERR_ENCODING', `${what} must be ${bytes * 2} hex characters`);
  }
  return Buffer.from(text, 'hex');
}

export function encodeHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
