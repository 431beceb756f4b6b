import { consistencyRanges, inclusionRanges, perfectNodes, type LeafRange, type NodeId } from './nodes.js';
import { foldPerfectRoots } from './root.js';

/**
 * Reads perfect nodes in one call (one round trip to storage). Must return exactly one
 * 32-byte hash per requested node, in order, and only for nodes inside the tree.
 */
export type NodeReader = (nodes: readonly NodeId[]) => Promise<readonly Uint8Array[]> | readonly Uint8Array[];

async function hashRanges(ranges: readonly LeafRange[], read: NodeReader): Promise<Buffer[]> {
  const plan = ranges.map((r) => perfectNodes(r));
  const flat = plan.flat();
  const hashes = await read(flat);
  if (hashes.length !== flat.length) throw new Error(`node reader returned ${hashes.length} of ${flat.length} nodes`);
  let at = 0;
  return plan.map((nodes) => {
    const part = hashes.slice(at, at + nodes.length);
    at += nodes.length;
    return foldPerfectRoots(part);
  });
}

export function proveInclusion(index: number, size: number, read: NodeReader): Promise<Buffer[]> {
  return hashRanges(inclusionRanges(index, size), read);
}

export function proveConsistency(oldSize: number, newSize: number, read: NodeReader): Promise<Buffer[]> {
  return hashRanges(consistencyRanges(oldSize, newSize), read);
}

/** The root of the first `size` leaves, from perfect nodes only. */
export async function rootAt(size: number, read: NodeReader): Promise<Buffer> {
  const [root] = await hashRanges([{ begin: 0, end: size }], read);
  return root!;
}
