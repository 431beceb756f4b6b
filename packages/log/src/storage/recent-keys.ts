import { KEY_SPACE, keyPosition, type KeyRange } from './index-sweep.js';

/** Which settled index a key goes to: leaf-hash prefixes (8 bytes) or search-key ids (16 bytes). */
export type KeyKind = 'leaf' | 'search';

interface Batch {
  shard: number;
  first: number;
  /** Keys of this batch still waiting. */
  waiting: number;
}

/** One key of one entry, waiting in memory for the sweep to settle it. */
export interface RecentKey {
  readonly kind: KeyKind;
  readonly pos: number;
  /** What the settled index stores. */
  readonly key: Buffer;
  readonly shard: number;
  readonly idx: number;
  /** The whole leaf hash (leaf keys only): a hit here needs no confirmation from the row. */
  readonly leafHash: Buffer | undefined;
  readonly batch: Batch;
  settled: boolean;
}

/** What an append adds, and what a reopen reads back: coordinates, leaf hash, search-key ids. */
export interface RecentEntry {
  shard: number;
  idx: number;
  leafHash: Buffer;
  searchKeys: readonly Buffer[];
}

export interface Ref {
  shard: number;
  idx: number;
}

const BUCKETS = 4096;
const BUCKET_SPAN = KEY_SPACE / BUCKETS;
const bucketOf = (pos: number): number => Math.floor(pos / BUCKET_SPAN);

/**
 * The recent level of the two-level indexes (index-sweep.ts), kept in memory: the keys of
 * entries appended since the sweep last passed over them, listed by position (in append
 * order, so (shard, idx) order) and the positions bucketed for the sweep. They are durable
 * all the same: every leaf row carries its search-key ids, and the store records the oldest
 * entry with a key still waiting, so a reopen reads those entries back. An entry may then be
 * both here and settled; lookups merge the two levels, and settling is idempotent.
 */
export class RecentKeys {
  readonly #byPos = new Map<number, RecentKey[]>();
  readonly #positions: Array<Set<number>> = Array.from({ length: BUCKETS }, () => new Set());
  /** Batches in append order, from the oldest with a key still waiting. */
  #batches: Batch[] = [];
  #size = 0;

  /** Keys waiting (leaf and search keys together). */
  get size(): number {
    return this.#size;
  }

  /** Coordinates of the oldest entry with a key still waiting, if any. */
  get oldest(): Ref | undefined {
    const b = this.#batches[0];
    return b && { shard: b.shard, idx: b.first };
  }

  /** Every key of a batch's entries (one shard, consecutive indexes from the first), leaf key first. */
  static keysOf(entries: readonly RecentEntry[]): RecentKey[] {
    const first = entries[0];
    if (!first) return [];
    const batch: Batch = { shard: first.shard, first: first.idx, waiting: 0 };
    const keys: RecentKey[] = [];
    for (const e of entries) {
      const leafKey = e.leafHash.subarray(0, 8);
      keys.push({ kind: 'leaf', pos: keyPosition(leafKey), key: leafKey, shard: e.shard, idx: e.idx, leafHash: e.leafHash, batch, settled: false });
      for (const k of e.searchKeys) keys.push({ kind: 'search', pos: keyPosition(k), key: k, shard: e.shard, idx: e.idx, leafHash: undefined, batch, settled: false });
    }
    batch.waiting = keys.length;
    return keys;
  }

  /** Add the keys of one committed batch (as keysOf made them). */
  add(keys: readonly RecentKey[]): void {
    const batch = keys[0]?.batch;
    if (!batch) return;
    for (const k of keys) this.#insert(k);
    this.#batches.push(batch);
  }

  #insert(k: RecentKey): void {
    const list = this.#byPos.get(k.pos);
    if (list) list.push(k);
    else {
      this.#byPos.set(k.pos, [k]);
      this.#positions[bucketOf(k.pos)]!.add(k.pos);
    }
    this.#size++;
  }

  /**
   * The waiting keys in `ranges` (in order), by position, at most `max` of them, and where
   * the sweep then stands: undefined if it took every key in the ranges, else the position
   * of the first key it left (keys before it at that position were taken). A position shared
   * by thousands of entries (one signer's key) is taken from the front of its list, not sorted.
   */
  take(ranges: readonly KeyRange[], max = Infinity): { keys: RecentKey[]; leftAt: number | undefined } {
    const keys: RecentKey[] = [];
    for (const [from, to] of ranges) {
      if (to <= from) continue;
      const last = bucketOf(to - 1);
      for (let b = bucketOf(from); b <= last; b++) {
        const inRange = [...this.#positions[b]!].filter((p) => p >= from && p < to).sort((x, y) => x - y);
        for (const p of inRange) {
          for (const k of this.#byPos.get(p)!) {
            if (keys.length === max) return { keys, leftAt: p };
            keys.push(k);
          }
        }
      }
    }
    return { keys, leftAt: undefined };
  }

  /** Forget keys the store has settled (after the transaction that settled them committed). */
  settled(keys: readonly RecentKey[]): void {
    const touched = new Set<number>();
    for (const k of keys) {
      if (k.settled) continue;
      k.settled = true;
      k.batch.waiting--;
      this.#size--;
      touched.add(k.pos);
    }
    for (const p of touched) {
      const rest = this.#byPos.get(p)!.filter((k) => !k.settled);
      if (rest.length > 0) this.#byPos.set(p, rest);
      else {
        this.#byPos.delete(p);
        this.#positions[bucketOf(p)]!.delete(p);
      }
    }
    let done = 0;
    while (this.#batches[done]?.waiting === 0) done++;
    if (done > 0) this.#batches = this.#batches.slice(done);
  }

  /** Entries whose leaf hash is exactly `leafHash`. */
  findLeaf(leafHash: Buffer): Ref[] {
    const at = this.#byPos.get(keyPosition(leafHash)) ?? [];
    return at.filter((k) => k.leafHash?.equals(leafHash)).map(({ shard, idx }) => ({ shard, idx }));
  }

  /** Entries carrying the search-key id `key`. */
  findSearch(key: Buffer): Ref[] {
    const at = this.#byPos.get(keyPosition(key)) ?? [];
    return at.filter((k) => k.kind === 'search' && k.key.equals(key)).map(({ shard, idx }) => ({ shard, idx }));
  }
}
