/**
 * Content digests (OCI image spec descriptor.md §Digests). Only the two registered
 * algorithms are accepted: a digest we cannot recompute is a digest we cannot check.
 */
import { createHash, type Hash } from 'node:crypto';
import { SigilError } from '@sigil/core';

export type DigestAlgorithm = 'sha256' | 'sha512';

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
// Lower-case hex only: the spec's registered algorithms forbid upper case, and a second
// spelling of the same digest would let a tag or a cache key be aliased.
const DIGEST = /^(sha256|sha512):([a-f0-9]+)$/;

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
}

export function parseDigest(digest: string): ParsedDigest {
  const m = DIGEST.exec(digest);
  const algorithm = m?.[1] as DigestAlgorithm | undefined;
  if (!m || !algorithm || m[2]!.length !== ENCODED_LENGTH[algorithm]) {
    const shown = digest.length > 80 ? `${digest.slice(0, 80)}…` : digest;
    throw new SigilError('ERR_BAD_REQUEST', `invalid digest "${shown}"`, {
      hint: 'expected sha256:<64 lower-case hex> or sha512:<128 lower-case hex>',
    });
  }
  return { algorithm, hex: m[2]! };
}

export function isDigest(value: string): boolean {
  const m = DIGEST.exec(value);
  return m !== null && m[2]!.length === ENCODED_LENGTH[m[1] as DigestAlgorithm];
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Incremental digest for streamed blobs. */
export class Digester {
  readonly #hash: Hash;
  #size = 0;
  constructor(readonly algorithm: DigestAlgorithm = 'sha256') {
    this.#hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
  }
  get size(): number {
    return this.#size;
  }
  digest(): string {
    return `${this.algorithm}:${this.#hash.digest('hex')}`;
  }
}

/**
 * The tag the OCI referrers tag schema uses for `digest`: `<alg>-<hex>`, the hex cut to 64
 * characters (distribution spec §Referrers Tag Schema) so a sha512 tag stays within 128.
 */
export function referrersTag(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `${algorithm}-${hex.slice(0, 64)}`;
}
