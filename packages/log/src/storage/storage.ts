import type { TileId, TileWrite } from '@sigil/core';

/** One tree of the log. The last shard by `seq` is the active one; all others are frozen. */
export interface ShardRecord {
  /** Position in the shard list, from 0. */
  seq: number;
  /** Rekor tree ID: a positive int63, as a decimal string. */
  treeId: string;
  /** File name (inside the data directory's keys/) of this shard's PKCS#8 signing key. */
  keyFile: string;
  /** Checkpoint origin line, e.g. "log.example:3000 - 2605736670972794746". */
  origin: string;
  /** Name on checkpoint signature lines (Rekor: the public host). */
  signerName: string;
  frozen: boolean;
  size: number;
  /** Root at `size`; empty tree hash for a new shard. */
  root: Buffer;
  /** Latest signed checkpoint (for a frozen shard, its final one). Empty string before the first. */
  checkpoint: string;
  /** Unix seconds of the latest integrated entry (integrated times never go backwards). */
  lastIntegratedTime: number;
  createdAt: number;
}

export interface StoredEntry {
  index: number;
  leafHash: Buffer;
  body: Buffer;
  integratedTime: number;
  /** Signed entry timestamp over the entry's global coordinates. */
  set: Buffer;
}

export interface SequencedBatch {
  entries: StoredEntry[];
  /** Search keys per entry (same order as `entries`). */
  indexKeys: string[][];
  tiles: TileWrite[];
  size: number;
  root: Buffer;
  checkpoint: string;
  lastIntegratedTime: number;
}

export interface EntryRef {
  shardSeq: number;
  index: number;
}

/**
 * Durable storage for a sharded log. Drivers implement exactly this; the conformance suite
 * (conformance.ts) holds every driver to it.
 *
 * Concurrency: one writer per shard (the sequencer) calls the mutating methods; reads may
 * run at any time and must see either all or none of a batch.
 */
export interface LogStorage {
  /** Every shard, ordered by seq. */
  listShards(): Promise<ShardRecord[]>;
  /**
   * Atomically freeze the current active shard (if any) at its final `checkpoint`, and add
   * `next` as the new active shard. Durable when it resolves; on reject nothing changed.
   */
  rotate(freeze: { seq: number; checkpoint: string } | undefined, next: ShardRecord): Promise<void>;
  /**
   * Append a batch to the active shard `seq`: entries at consecutive indexes starting at
   * the shard's current size, the tiles they changed, the new size/root/checkpoint.
   * Atomic and durable (fsync'd) once it resolves; on reject none of it is visible, except
   * when the store found that it cannot make writes durable (a failed fsync): then it
   * refuses every later write and listShards, so that the sequencer stops instead of
   * recovering onto a batch that may not survive. Reads may see a batch before it resolves;
   * the log serves entries only up to the size of a resolved batch.
   * Rejects if the first index is not the stored size (a second writer).
   */
  appendBatch(seq: number, batch: SequencedBatch): Promise<void>;
  /** Tile contents (possibly partial) by id, in order; undefined where absent. */
  readTiles(seq: number, ids: readonly TileId[]): Promise<Array<Buffer | undefined>>;
  getEntry(seq: number, index: number): Promise<StoredEntry | undefined>;
  /** Entries [from, to) of one shard, in index order. */
  getEntries(seq: number, from: number, to: number): Promise<StoredEntry[]>;
  /** Where a leaf hash appears (in any shard), oldest shard first. */
  findLeaf(leafHash: Buffer, seq?: number): Promise<EntryRef[]>;
  /**
   * The index in shard `seq` of each leaf hash, undefined where it is absent: the
   * sequencer's duplicate check for a whole batch, in one read instead of one per entry.
   */
  findLeaves(leafHashes: readonly Buffer[], seq: number): Promise<Array<number | undefined>>;
  /** Entries carrying every key (`and`) or any key (`or`); at most `limit`. */
  search(keys: readonly string[], operator: 'and' | 'or', limit: number): Promise<EntryRef[]>;
  /** A checkpoint handed out for `size` of shard `seq`, if one was. */
  getCheckpoint(seq: number, size: number): Promise<string | undefined>;
  close(): Promise<void>;
}
