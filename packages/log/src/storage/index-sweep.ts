/**
 * Two-level lookup indexes for keys that arrive in random order (leaf hashes, artifact
 * digests). Inserting each new key straight into one large B-tree dirties a different page
 * per key: on a tree of a million entries every append writes and later checkpoints ~4
 * scattered pages per index, and the hot set no longer fits the page cache, so an append
 * costs twice what it does on a small tree.
 *
 * Instead each new key goes to a small "recent" level that stays cached, and every commit
 * moves one slice of the key space from the recent level into the large "settled" one, in
 * key order: a sweep that goes round the key space once per LAP_FRACTION-th of the log.
 * A settled page is then written about once per sweep instead of once per key landing on
 * it, and a lookup probes both levels. Keys are fixed-width prefixes of uniform hashes, so
 * equal slices of the key space hold equal shares of the keys.
 */

/** Keys are compared on their first 8 bytes, read as a big-endian unsigned integer. */
export const KEY_SPACE = 1n << 64n;
/**
 * One lap of the sweep takes this fraction of the entries indexed (and at least MIN_LAP
 * entries), so a key waits half a lap on average: the recent level holds about 1/64 of the
 * log, and each settled page is rewritten about once per lap.
 */
const LAP_FRACTION = 32;
const MIN_LAP = 4096;

/** A half-open slice [from, to) of the key space; `to` is undefined for "to the end". */
export interface KeyRange {
  from: Buffer;
  to: Buffer | undefined;
}

export interface Sweep {
  ranges: KeyRange[];
  cursor: bigint;
}

const bound = (x: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(x);
  return b;
};

/**
 * The slices to settle after a commit of `appended` entries into indexes that then cover
 * `indexed` entries, starting at `cursor`. The step is `appended` over the lap's length in
 * entries, so a lap takes the same number of entries whatever the commit sizes.
 */
export function sweepAfter(cursor: bigint, appended: number, indexed: number): Sweep {
  const lap = BigInt(Math.max(MIN_LAP, Math.floor(indexed / LAP_FRACTION)));
  const step = (KEY_SPACE * BigInt(appended)) / lap;
  if (step >= KEY_SPACE) return { ranges: [{ from: bound(0n), to: undefined }], cursor };
  const next = cursor + step;
  if (next < KEY_SPACE) return { ranges: [{ from: bound(cursor), to: bound(next) }], cursor: next };
  const wrapped = next - KEY_SPACE;
  return { ranges: [{ from: bound(cursor), to: undefined }, { from: bound(0n), to: bound(wrapped) }], cursor: wrapped };
}
