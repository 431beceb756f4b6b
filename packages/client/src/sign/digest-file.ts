import { createReadStream } from 'node:fs';
import { digestStream, type HashAlgorithm } from '@sigil/core';

/** Hash a file as a stream: a 1 GiB artifact never sits in memory. */
export function digestFile(path: string, alg: HashAlgorithm = 'sha256'): Promise<Buffer> {
  return digestStream(alg, createReadStream(path, { highWaterMark: 1024 * 1024 }));
}
