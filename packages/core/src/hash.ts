import { createHash, type Hash } from 'node:crypto';

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export const DIGEST_LENGTH: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function digest(alg: HashAlgorithm, data: Uint8Array): Buffer {
  return createHash(alg).update(data).digest();
}

/** Hash an async stream of chunks without holding it in memory. */
export async function digestStream(alg: HashAlgorithm, chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const h: Hash = createHash(alg);
  for await (const c of chunks) h.update(c);
  return h.digest();
}
