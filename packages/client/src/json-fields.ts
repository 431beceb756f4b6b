import { isBase64 } from '@sigil/core';
import { fail, type VerifyCode } from './fail.js';

/**
 * Typed reads of protobuf-JSON fields (camelCase names; `bytes` as strict base64;
 * `int64` as a decimal string). Each failure names the field and raises `code`.
 */
export type Json = Record<string, unknown>;

export class Fields {
  constructor(readonly code: VerifyCode) {}

  object(v: unknown, path: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(this.code, `${path} must be an object`);
    return v as Json;
  }

  optObject(v: unknown, path: string): Json | undefined {
    return v === undefined || v === null ? undefined : this.object(v, path);
  }

  array(v: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(v)) return fail(this.code, `${path} must be an array`);
    if (v.length > max) return fail(this.code, `${path} has ${v.length} items; at most ${max} are allowed`);
    return v;
  }

  optArray(v: unknown, path: string, max: number): unknown[] {
    return v === undefined || v === null ? [] : this.array(v, path, max);
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') return fail(this.code, `${path} must be a string`);
    return v;
  }

  nonEmptyString(v: unknown, path: string): string {
    const s = this.string(v, path);
    if (s.length === 0) return fail(this.code, `${path} must not be empty`);
    return s;
  }

  /** proto3 `bytes`: strict padded standard base64. */
  bytes(v: unknown, path: string, allowEmpty = false): Buffer {
    const s = this.string(v, path);
    if (!isBase64(s)) return fail(this.code, `${path} is not valid base64`);
    const b = Buffer.from(s, 'base64');
    if (!allowEmpty && b.length === 0) return fail(this.code, `${path} must not be empty`);
    return b;
  }

  /**
   * proto3 `int64`: a non-negative decimal string (a JSON number is accepted too), within 2^53.
   * Absent means 0: proto3 JSON omits fields at their default, so sigstore-js writes no
   * `logIndex` for the entry at index 0.
   */
  int64(v: unknown, path: string): number {
    if (v === undefined) return 0;
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) return fail(this.code, `${path} must be a non-negative integer`);
      return v;
    }
    const s = this.string(v, path);
    if (!/^(0|[1-9][0-9]{0,18})$/.test(s)) return fail(this.code, `${path} must be a non-negative decimal integer`);
    const n = Number(s);
    if (!Number.isSafeInteger(n)) return fail(this.code, `${path} is too large`);
    return n;
  }

  /** RFC 3339 timestamp (proto3 JSON Timestamp) → milliseconds since the epoch. */
  timestamp(v: unknown, path: string): number {
    const s = this.string(v, path);
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
    if (!m) return fail(this.code, `${path} is not an RFC 3339 timestamp`);
    const frac = m[2] === undefined ? '' : `.${m[2].slice(0, 3).padEnd(3, '0')}`;
    const ms = Date.parse(`${m[1]}${frac}${m[3]}`);
    if (!Number.isFinite(ms)) return fail(this.code, `${path} is not a valid time`);
    return ms;
  }
}

/** Parse JSON text or bytes, or take an already-parsed value, under a size cap. */
export function readJson(input: unknown, code: VerifyCode, what: string, maxBytes: number): unknown {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
    if (size > maxBytes) return fail(code, `${what} is ${size} bytes; at most ${maxBytes} are allowed`);
    const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      return fail(code, `${what} is not valid JSON`, cause);
    }
  }
  return input;
}
