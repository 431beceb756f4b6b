import { KEY_SPACE, keyPosition, type KeyRange } from './index-sweep.js';

/** Which settled index a key goes to: leaf-hash prefixes (8 bytes) or search-key ids (16 bytes). */
export type KeyKind = 'leaf' | 'search';

interface Batch {
  shard: number;
  first: number;
  /** Keys of this batch still waiting. */
  waiting: number;
}

/**
 * One key of one entry, as keysOf makes it and take hands it out. The recent level does
 * not keep these objects: it copies them into its columns (see RecentKeys).
 */
export interface RecentKey {
  readonly kind: KeyKind;
  readonly pos: number;
  /** What the settled index stores. */
  readonly key: Buffer;
  readonly shard: number;
  readonly idx: number;
  /** The whole leaf hash (leaf keys only): a hit here needs no confirmation from the row. */
  readonly leafHash: Buffer | undefined;
  /** Where the recent level holds it and the stamp it got there (slot −1 until added). */
  readonly slot: number;
  readonly gen: number;
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
/** Bytes kept per key: a whole leaf hash, or a search-key id in the first 16. */
const KEY_BYTES = 32;
const LEAF = 0;
const SEARCH = 1;
const NONE = -1;

/**
 * The recent level of the two-level indexes (index-sweep.ts), kept in memory: the keys of
 * entries appended since the sweep last passed over them. They are durable all the same:
 * every leaf row carries its search-key ids, and the store records the oldest entry with a
 * key still waiting, so a reopen reads those entries back. An entry may then be both here
 * and settled; lookups merge the two levels, and settling is idempotent.
 *
 * A lap at a million entries leaves ~200,000 keys waiting. As JS objects (a record and a
 * Buffer each, a list per position) they took ~85 MB of heap that every major GC marked;
 * here they are rows of typed-array columns (~70 bytes a key) and a few arrays of small
 * integers, which the GC does not look into:
 * - keys with the same position form a chain in append order (`next`/`prev`), found through
 *   an open-addressing table (`table`, linear probing) from the position to the chain's head;
 * - each of 4,096 buckets of the key space lists the heads of its chains, for the sweep.
 * Freed slots are reused; a slot's stamp tells a stale RecentKey from the new occupant.
 */
export class RecentKeys {
  #cap = 0;
  #pos = new Float64Array(0);
  #kind = new Uint8Array(0);
  #bytes = new Uint8Array(0);
  #shard = new Uint32Array(0);
  #idx = new Float64Array(0);
  #batch = new Float64Array(0);
  #gen = new Float64Array(0);
  /** Stamps slots as keys move in, never repeating: a stale RecentKey cannot match a later key. */
  #stamp = 0;
  #next = new Int32Array(0);
  #prev = new Int32Array(0);
  /** For a chain's head: its tail, and where the head sits in its bucket's list. */
  #tail = new Int32Array(0);
  #inBucket = new Int32Array(0);
  /** Slot + 1 of a chain head, by hash of the position; 0 is empty. */
  #table = new Int32Array(0);
  #mask = 0;
  readonly #buckets: number[][] = Array.from({ length: BUCKETS }, () => []);
  /** Slots freed for reuse, and slots ever handed out: the keys waiting are the difference. */
  #free: number[] = [];
  #used = 0;
  /** Batches in append order, from the oldest with a key still waiting; ids count from #base. */
  #batches: Batch[] = [];
  #base = 0;

  /** Keys waiting (leaf and search keys together). */
  get size(): number {
    return this.#used - this.#free.length;
  }

  /** Coordinates of the oldest entry with a key still waiting, if any. */
  get oldest(): Ref | undefined {
    const b = this.#batches[0];
    return b && { shard: b.shard, idx: b.first };
  }

  /** Every key of a batch's entries (one shard, consecutive indexes from the first), leaf key first. */
  static keysOf(entries: readonly RecentEntry[]): RecentKey[] {
    const keys: RecentKey[] = [];
    for (const e of entries) {
      const leafKey = e.leafHash.subarray(0, 8);
      keys.push({ kind: 'leaf', pos: keyPosition(leafKey), key: leafKey, shard: e.shard, idx: e.idx, leafHash: e.leafHash, slot: NONE, gen: 0 });
      for (const k of e.searchKeys) keys.push({ kind: 'search', pos: keyPosition(k), key: k, shard: e.shard, idx: e.idx, leafHash: undefined, slot: NONE, gen: 0 });
    }
    return keys;
  }

  /** Add the keys of one committed batch (as keysOf made them). */
  add(keys: readonly RecentKey[]): void {
    const first = keys[0];
    if (!first) return;
    const id = this.#base + this.#batches.length;
    this.#batches.push({ shard: first.shard, first: first.idx, waiting: keys.length });
    for (const k of keys) this.#insert(k, id);
  }

  #insert(k: RecentKey, batch: number): void {
    const s = this.#alloc();
    this.#pos[s] = k.pos;
    this.#kind[s] = k.kind === 'leaf' ? LEAF : SEARCH;
    this.#bytes.set((k.leafHash ?? k.key).subarray(0, KEY_BYTES), s * KEY_BYTES);
    this.#shard[s] = k.shard;
    this.#idx[s] = k.idx;
    this.#batch[s] = batch;
    this.#gen[s] = ++this.#stamp;
    this.#next[s] = NONE;
    const at = this.#find(k.pos);
    const head = this.#table[at]! - 1;
    if (head === NONE) {
      this.#table[at] = s + 1;
      this.#prev[s] = NONE;
      this.#tail[s] = s;
      const list = this.#buckets[bucketOf(k.pos)]!;
      this.#inBucket[s] = list.length;
      list.push(s);
    } else {
      const tail = this.#tail[head]!;
      this.#next[tail] = s;
      this.#prev[s] = tail;
      this.#tail[head] = s;
    }
  }

  /** Table index holding `pos`'s chain head, or the empty one where it would go. */
  #find(pos: number): number {
    let i = this.#home(pos);
    for (;;) {
      const h = this.#table[i]!;
      if (h === 0 || this.#pos[h - 1] === pos) return i;
      i = (i + 1) & this.#mask;
    }
  }

  #home(pos: number): number {
    // Positions are uniform over 48 bits: mix the low 32 and the high 16.
    return (Math.imul((pos % 2 ** 32) ^ Math.floor(pos / 2 ** 32), 0x9e3779b1) >>> 0) & this.#mask;
  }

  #alloc(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    if (this.#used === this.#cap) this.#grow();
    return this.#used++;
  }

  #grow(): void {
    this.#resize(Math.max(1024, this.#cap * 2), true);
  }

  /** New columns of `cap` slots, keeping the first #used rows or starting empty. */
  #resize(cap: number, keep: boolean): void {
    const widen = <T extends Float64Array | Uint8Array | Uint32Array | Int32Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(cap * per);
      if (keep) next.set(old);
      return next;
    };
    this.#pos = widen(this.#pos, (n) => new Float64Array(n));
    this.#kind = widen(this.#kind, (n) => new Uint8Array(n));
    this.#bytes = widen(this.#bytes, (n) => new Uint8Array(n), KEY_BYTES);
    this.#shard = widen(this.#shard, (n) => new Uint32Array(n));
    this.#idx = widen(this.#idx, (n) => new Float64Array(n));
    this.#batch = widen(this.#batch, (n) => new Float64Array(n));
    this.#gen = widen(this.#gen, (n) => new Float64Array(n));
    this.#next = widen(this.#next, (n) => new Int32Array(n));
    this.#prev = widen(this.#prev, (n) => new Int32Array(n));
    this.#tail = widen(this.#tail, (n) => new Int32Array(n));
    this.#inBucket = widen(this.#inBucket, (n) => new Int32Array(n));
    this.#cap = cap;
    // At most half full, so probes stay short; rehash every chain head.
    const old = keep ? this.#table : new Int32Array(0);
    this.#table = new Int32Array(cap * 2);
    this.#mask = cap * 2 - 1;
    for (const h of old) if (h !== 0) this.#table[this.#find(this.#pos[h - 1]!)] = h;
  }

  #view(s: number): RecentKey {
    const kind: KeyKind = this.#kind[s] === LEAF ? 'leaf' : 'search';
    // Copies: a slot is reused once its key is settled.
    const bytes = Buffer.from(this.#bytes.subarray(s * KEY_BYTES, (s + 1) * KEY_BYTES));
    return {
      kind,
      pos: this.#pos[s]!,
      key: bytes.subarray(0, kind === 'leaf' ? 8 : 16),
      shard: this.#shard[s]!,
      idx: this.#idx[s]!,
      leafHash: kind === 'leaf' ? bytes : undefined,
      slot: s,
      gen: this.#gen[s]!,
    };
  }

  /**
   * The waiting keys in `ranges` (in order), by position, at most `max` of them, and where
   * the sweep then stands: undefined if it took every key in the ranges, else the position
   * of the first key it left (keys before it at that position were taken). A position shared
   * by thousands of entries (one signer's key) is taken from the front of its chain, not sorted.
   */
  take(ranges: readonly KeyRange[], max = Infinity): { keys: RecentKey[]; leftAt: number | undefined } {
    const keys: RecentKey[] = [];
    for (const [from, to] of ranges) {
      if (to <= from) continue;
      const last = bucketOf(to - 1);
      for (let b = bucketOf(from); b <= last; b++) {
        const heads = this.#buckets[b]!.filter((s) => this.#pos[s]! >= from && this.#pos[s]! < to).sort((x, y) => this.#pos[x]! - this.#pos[y]!);
        for (const head of heads) {
          for (let s = head; s !== NONE; s = this.#next[s]!) {
            if (keys.length === max) return { keys, leftAt: this.#pos[head]! };
            keys.push(this.#view(s));
          }
        }
      }
    }
    return { keys, leftAt: undefined };
  }

  /** Forget keys the store has settled (after the transaction that settled them committed). */
  settled(keys: readonly RecentKey[]): void {
    for (const k of keys) {
      const s = k.slot;
      // Not added, already forgotten, or its slot now holds another key: nothing to do.
      if (s === NONE || s >= this.#used || this.#gen[s] !== k.gen) continue;
      this.#unlink(s);
      const b = this.#batches[this.#batch[s]! - this.#base];
      if (b) b.waiting--;
      this.#gen[s] = 0;
      this.#free.push(s);
    }
    let done = 0;
    while (this.#batches[done]?.waiting === 0) done++;
    if (done > 0) {
      this.#batches = this.#batches.slice(done);
      this.#base += done;
    }
    if (this.size === 0) this.#reset();
  }

  /** Nothing waits: start the columns over, so that a burst's memory is not kept for good. */
  #reset(): void {
    this.#used = 0;
    this.#free = [];
    if (this.#cap <= 1024) this.#table.fill(0);
    else this.#resize(1024, false);
  }

  #unlink(s: number): void {
    const prev = this.#prev[s]!;
    const next = this.#next[s]!;
    if (prev !== NONE) {
      this.#next[prev] = next;
      if (next !== NONE) this.#prev[next] = prev;
      else this.#tail[this.#table[this.#find(this.#pos[s]!)]! - 1] = prev;
      return;
    }
    // s heads its chain: the next key takes its place in the table and the bucket list.
    const at = this.#find(this.#pos[s]!);
    const list = this.#buckets[bucketOf(this.#pos[s]!)]!;
    const where = this.#inBucket[s]!;
    if (next !== NONE) {
      this.#prev[next] = NONE;
      this.#tail[next] = this.#tail[s]!;
      this.#inBucket[next] = where;
      list[where] = next;
      this.#table[at] = next + 1;
      return;
    }
    const moved = list.pop()!;
    if (moved !== s) {
      list[where] = moved;
      this.#inBucket[moved] = where;
    }
    this.#deleteAt(at);
  }

  /** Empty a table slot without breaking any probe sequence (backward-shift deletion). */
  #deleteAt(i: number): void {
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & this.#mask;
      const h = this.#table[j]!;
      if (h === 0) break;
      const home = this.#home(this.#pos[h - 1]!);
      // Move the entry back if its home is not cyclically within (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        this.#table[hole] = h;
        hole = j;
      }
    }
    this.#table[hole] = 0;
  }

  /** Entries holding a key of `kind` equal to `bytes` (its leading bytes, as stored), oldest first. */
  #refs(kind: number, bytes: Buffer): Ref[] {
    const out: Ref[] = [];
    if (this.#cap === 0) return out;
    for (let s = this.#table[this.#find(keyPosition(bytes))]! - 1; s !== NONE; s = this.#next[s]!) {
      if (this.#kind[s] === kind && bytes.equals(this.#bytes.subarray(s * KEY_BYTES, s * KEY_BYTES + bytes.length))) {
        out.push({ shard: this.#shard[s]!, idx: this.#idx[s]! });
      }
    }
    return out;
  }

  /** Entries whose leaf hash is exactly `leafHash`. */
  findLeaf(leafHash: Buffer): Ref[] {
    return this.#refs(LEAF, leafHash);
  }

  /** Entries carrying the search-key id `key`. */
  findSearch(key: Buffer): Ref[] {
    return this.#refs(SEARCH, key);
  }
}
