import { EMPTY_ROOT, hashChildren, hashLeaf, splitPoint } from './hash.js';

/** MTH over already-hashed leaves (RFC 6962 §2.1), iteratively. The reference for tests and rebuilds. */
export function rootFromLeafHashes(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  let level: Uint8Array[] = leaves.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i]!, level[i + 1]!));
    // An odd node is promoted unchanged: MTH splits at the largest power of two, so a
    // lone right node is never hashed with anything at this level.
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return Buffer.from(level[0]!);
}

/** MTH over raw leaf data, recursively as the RFC writes it. Slow; tests only. */
export function referenceRoot(data: readonly Uint8Array[]): Buffer {
  if (data.length === 0) return EMPTY_ROOT;
  if (data.length === 1) return hashLeaf(data[0]!);
  const k = splitPoint(data.length);
  return hashChildren(referenceRoot(data.slice(0, k)), referenceRoot(data.slice(k)));
}

/**
 * Root of a range from its perfect subtrees, left to right, sizes descending
 * (the decomposition `perfectNodes` returns): MTH folds them right to left.
 */
export function foldPerfectRoots(roots: readonly Uint8Array[]): Buffer {
  if (roots.length === 0) return EMPTY_ROOT;
  let acc: Uint8Array = roots[roots.length - 1]!;
  for (let i = roots.length - 2; i >= 0; i--) acc = hashChildren(roots[i]!, acc);
  return Buffer.from(acc);
}
