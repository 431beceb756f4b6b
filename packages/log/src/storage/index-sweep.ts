/**
 * Two-level lookup indexes for keys that arrive in random order (leaf hashes, artifact
 * digests). Inserting each new key straight into one large B-tree dirties a different page
 * per key: on a log of a million entries every append writes and later checkpoints ~4
 * scattered pages per index, and the hot set no longer fits the page cache, so an append
 * costs far more than on a small log.
 *
 * Instead each new key waits in a recent level (in memory, recent-keys.ts; durable through
 * the leaf rows), and every commit moves one slice of the key space from it into the large
 * settled index, in key order: a sweep that goes round the key space once per lap of
 * appended entries. A settled page is then written about once per lap instead of once per
 * key landing on it. Keys are prefixes of uniform hashes, so equal slices of the key space
 * hold equal shares of the keys.
 */

/** A key's position: its first 6 bytes, big-endian (exact in a double). */
export const KEY_SPACE = 2 ** 48;
export const keyPosition = (key: Buffer): number => key.readUIntBE(0, 6);

/**
 * One lap of the sweep takes this fraction of the entries indexed, within [MIN_LAP, MAX_LAP]
 * entries. A settled page is rewritten about once per lap, and a key waits in memory for up
 * to a lap (half of one on average), which is also what a reopen after a crash reads back.
 * At a million entries: laps of 65,536 entries, about 7 settled pages per commit of 25.
 */
const LAP_FRACTION = 8;
const MIN_LAP = 4096;
const MAX_LAP = 65_536;

/** Entries appended per lap of the sweep when the indexes cover `indexed` entries. */
export const lapLength = (indexed: number): number => Math.min(MAX_LAP, Math.max(MIN_LAP, Math.floor(indexed / LAP_FRACTION)));

/** A half-open slice [from, to) of the key space. */
export type KeyRange = readonly [from: number, to: number];

export interface Sweep {
  ranges: KeyRange[];
  /** Where the next sweep starts if every key in the ranges is settled. */
  cursor: number;
  /** The ranges are the whole key space: this commit is a lap or more by itself. */
  whole: boolean;
}

/**
 * The slices to settle after a commit of `appended` entries into indexes that then cover
 * `indexed` entries, starting at `cursor`. The step is `appended` over the lap's length in
 * entries, so a lap takes the same number of entries whatever the commit sizes.
 */
export function sweepAfter(cursor: number, appended: number, indexed: number): Sweep {
  const lap = lapLength(indexed);
  const step = Math.floor((KEY_SPACE / lap) * appended);
  if (step >= KEY_SPACE) return { ranges: [[0, KEY_SPACE]], cursor, whole: true };
  const next = cursor + step;
  if (next < KEY_SPACE) return { ranges: [[cursor, next]], cursor: next, whole: false };
  const wrapped = next - KEY_SPACE;
  return { ranges: [[cursor, KEY_SPACE], [0, wrapped]], cursor: wrapped, whole: false };
}
