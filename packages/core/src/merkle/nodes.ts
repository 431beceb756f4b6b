/**
 * Proof generation reads a tree through "perfect nodes": the root of a complete,
 * aligned subtree of 2^level leaves starting at leaf index * 2^level. Any MTH range
 * that RFC 6962's PATH and SUBPROOF ask for is the right fold of a few such nodes, so
 * storage only has to hand out perfect nodes (which tiles hold), never ragged ones.
 */
export interface NodeId {
  level: number;
  index: number;
}

/** A range [begin, end) of leaves whose MTH is part of a proof. */
export interface LeafRange {
  begin: number;
  end: number;
}

/** The perfect nodes covering [begin, end), left to right; sizes descend for RFC ranges. */
export function perfectNodes(range: LeafRange): NodeId[] {
  const out: NodeId[] = [];
  let at = range.begin;
  while (at < range.end) {
    let level = 0;
    // Grow while the block stays aligned at `at` and inside the range.
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= range.end) level++;
    out.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return out;
}

/** RFC 6962 §2.1.1 PATH(m, D[0:n]) as leaf ranges, ordered leaf to root. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const out: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  const stack: LeafRange[] = [];
  while (hi - lo > 1) {
    const k = largestPowerBelow(hi - lo);
    if (index < lo + k) {
      stack.push({ begin: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ begin: lo, end: lo + k });
      lo = lo + k;
    }
  }
  // The sibling found last is the lowest in the tree: it comes first in the proof.
  for (let i = stack.length - 1; i >= 0; i--) out.push(stack[i]!);
  return out;
}

/** RFC 6962 §2.1.2 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), as leaf ranges. */
export function consistencyRanges(oldSize: number, newSize: number): LeafRange[] {
  if (!(oldSize >= 0 && oldSize <= newSize)) throw new RangeError(`no consistency proof from ${oldSize} to ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  const stack: LeafRange[] = [];
  let lo = 0;
  let hi = newSize;
  const m = oldSize; // absolute end of the old tree
  let complete = true;
  for (;;) {
    if (m === hi) {
      if (!complete) stack.push({ begin: lo, end: hi });
      break;
    }
    const k = largestPowerBelow(hi - lo);
    if (m <= lo + k) {
      stack.push({ begin: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ begin: lo, end: lo + k });
      lo = lo + k;
      complete = false;
    }
  }
  return stack.reverse();
}

export function largestPowerBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
