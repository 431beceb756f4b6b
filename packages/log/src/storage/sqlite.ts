import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { TileId } from '@sigil/core';
import { type KeyRange, sweepAfter } from './index-sweep.js';
import type { EntryRef, LogStorage, SequencedBatch, ShardRecord, StoredEntry } from './storage.js';

// Lookups by leaf hash and by search key go through two-level indexes (index-sweep.ts):
// *_recent takes each new key, *_index the keys settled in key order. Leaf hashes are
// indexed by their first 8 bytes (a hit is confirmed against the leaf row); search keys by
// the first 16 bytes of their SHA-256, which makes every key the same width and uniform.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS shards (
  seq INTEGER PRIMARY KEY, tree_id TEXT NOT NULL UNIQUE, key_file TEXT NOT NULL, origin TEXT NOT NULL,
  signer_name TEXT NOT NULL, frozen INTEGER NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,
  checkpoint TEXT NOT NULL, last_time INTEGER NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leaves (
  shard INTEGER NOT NULL, idx INTEGER NOT NULL, leaf_hash BLOB NOT NULL, body BLOB NOT NULL,
  integrated_time INTEGER NOT NULL, sig BLOB NOT NULL, PRIMARY KEY (shard, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tiles (
  shard INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (shard, level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  shard INTEGER NOT NULL, size INTEGER NOT NULL, note TEXT NOT NULL, PRIMARY KEY (shard, size)
) WITHOUT ROWID;
${['leaf_hash_recent', 'leaf_hash_index', 'search_key_recent', 'search_key_index'].map((t) => `
CREATE TABLE IF NOT EXISTS ${t} (
  k BLOB NOT NULL, shard INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, shard, idx)
) WITHOUT ROWID;`).join('')}
`;
/** PRAGMA user_version of this layout. 0 was a single-level index (leaves_by_hash, search_keys). */
const SCHEMA_VERSION = 2;

const leafKey = (leafHash: Buffer): Buffer => leafHash.subarray(0, 8);
const searchKey = (key: string): Buffer => createHash('sha256').update(key).digest().subarray(0, 16);

/** Version 0 → 2: the same lookups, rebuilt into the settled levels in key order. */
function migrate(db: Database.Database, onUpgrade: ((message: string) => void) | undefined): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version !== 0) throw new Error(`log database has layout version ${version}; this Sigil reads version ${SCHEMA_VERSION}`);
  const had = (name: string): boolean => db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(name) !== undefined;
  if (had('leaves_by_hash')) {
    const { n } = db.prepare('SELECT count(*) AS n FROM leaves').get() as { n: number };
    onUpgrade?.(`rebuilding the lookup indexes of ${n.toLocaleString('en-US')} entries into the new layout (once; about 20 s per million entries)…`);
  }
  db.transaction(() => {
    if (had('leaves_by_hash')) {
      db.exec('INSERT INTO leaf_hash_index SELECT substr(leaf_hash, 1, 8), shard, idx FROM leaves ORDER BY 1, 2, 3; DROP INDEX leaves_by_hash;');
    }
    if (had('search_keys')) {
      db.function('sigil_search_key', { deterministic: true }, (k: unknown) => searchKey(String(k)));
      db.exec('INSERT OR IGNORE INTO search_key_index SELECT sigil_search_key(key), shard, idx FROM search_keys ORDER BY 1, 2, 3; DROP TABLE search_keys;');
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

interface ShardRow {
  seq: number; tree_id: string; key_file: string; origin: string; signer_name: string; frozen: number;
  size: number; root: Buffer; checkpoint: string; last_time: number; created_at: number;
}
interface LeafRow { idx: number; leaf_hash: Buffer; body: Buffer; integrated_time: number; sig: Buffer }

const toShard = (r: ShardRow): ShardRecord => ({
  seq: r.seq, treeId: r.tree_id, keyFile: r.key_file, origin: r.origin, signerName: r.signer_name, frozen: r.frozen === 1,
  size: r.size, root: r.root, checkpoint: r.checkpoint, lastIntegratedTime: r.last_time, createdAt: r.created_at,
});
/** Run synchronous driver work, turning a throw into a rejection as the interface promises. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

const toEntry = (r: LeafRow): StoredEntry => ({ index: r.idx, leafHash: r.leaf_hash, body: r.body, integratedTime: r.integrated_time, set: r.sig });

/**
 * SQLite driver: one file, WAL, synchronous=FULL, so a COMMIT that returned is on disk.
 * better-sqlite3 is synchronous; each method does its work in one call and one
 * transaction, which also makes every batch atomic to readers.
 */
export interface SqliteOptions {
  /**
   * Checkpoint the WAL from a background thread (sqlite-checkpointer.ts), first after this
   * many ms (default 200; the thread then paces itself), leaving the committing thread's
   * own autocheckpoint as a large backstop. 0: SQLite's in-commit checkpoints every 1,000 pages.
   */
  checkpointIntervalMs?: number;
  /** Told before a one-time rewrite of an older database layout (seconds per million entries). */
  onUpgrade?: (message: string) => void;
}

/** WAL pages after which a commit checkpoints by itself when a background thread also does (80 MB). */
const BACKSTOP_CHECKPOINT_PAGES = 20_000;

export class SqliteStorage implements LogStorage {
  readonly #db: Database.Database;
  readonly #stmt;
  readonly #checkpointer: Worker | undefined;
  /** Where the index sweep goes on next; where it restarts after a reopen does not matter. */
  #sweepCursor = 0n;
  /** Entries in the indexes (all shards), read once at the first append. */
  #indexed: number | undefined;

  constructor(file: string, opts: SqliteOptions = {}) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    // Keep the hot indexes (leaf hash, search keys) in memory as the tree grows.
    this.#db.pragma('cache_size = -65536');
    this.#db.pragma('temp_store = memory');
    this.#db.exec(SCHEMA);
    migrate(this.#db, opts.onUpgrade);
    const intervalMs = opts.checkpointIntervalMs ?? 200;
    if (intervalMs > 0) {
      this.#db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      this.#checkpointer = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), { workerData: { file, intervalMs } });
      this.#checkpointer.unref();
      // Without it, SQLite's own in-commit checkpoints take over again (if still open).
      this.#checkpointer.on('error', () => {
        if (this.#db.open) this.#db.pragma('wal_autocheckpoint = 1000');
      });
    }
    const db = this.#db;
    this.#stmt = {
      shards: db.prepare<[], ShardRow>('SELECT * FROM shards ORDER BY seq'),
      shardSize: db.prepare<[number], { size: number; frozen: number }>('SELECT size, frozen FROM shards WHERE seq = ?'),
      insertShard: db.prepare('INSERT INTO shards VALUES (@seq, @treeId, @keyFile, @origin, @signerName, 0, @size, @root, @checkpoint, @lastIntegratedTime, @createdAt)'),
      freeze: db.prepare('UPDATE shards SET frozen = 1, checkpoint = ? WHERE seq = ? AND frozen = 0'),
      updateShard: db.prepare('UPDATE shards SET size = ?, root = ?, checkpoint = ?, last_time = ? WHERE seq = ?'),
      insertLeaf: db.prepare('INSERT INTO leaves VALUES (?, ?, ?, ?, ?, ?)'),
      insertLeafKey: db.prepare('INSERT INTO leaf_hash_recent VALUES (?, ?, ?)'),
      insertSearchKey: db.prepare('INSERT OR IGNORE INTO search_key_recent VALUES (?, ?, ?)'),
      settle: ['leaf_hash', 'search_key'].map((t) => ({
        range: db.prepare(`INSERT OR IGNORE INTO ${t}_index SELECT * FROM ${t}_recent WHERE k >= ? AND k < ?`),
        tail: db.prepare(`INSERT OR IGNORE INTO ${t}_index SELECT * FROM ${t}_recent WHERE k >= ?`),
        dropRange: db.prepare(`DELETE FROM ${t}_recent WHERE k >= ? AND k < ?`),
        dropTail: db.prepare(`DELETE FROM ${t}_recent WHERE k >= ?`),
      })),
      indexed: db.prepare<[], { n: number }>('SELECT coalesce(sum(size), 0) AS n FROM shards'),
      upsertTile: db.prepare('INSERT INTO tiles VALUES (?, ?, ?, ?) ON CONFLICT (shard, level, idx) DO UPDATE SET data = excluded.data'),
      insertCheckpoint: db.prepare('INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)'),
      tile: db.prepare<[number, number, number], { data: Buffer }>('SELECT data FROM tiles WHERE shard = ? AND level = ? AND idx = ?'),
      entry: db.prepare<[number, number], LeafRow>('SELECT idx, leaf_hash, body, integrated_time, sig FROM leaves WHERE shard = ? AND idx = ?'),
      entries: db.prepare<[number, number, number], LeafRow>('SELECT idx, leaf_hash, body, integrated_time, sig FROM leaves WHERE shard = ? AND idx >= ? AND idx < ? ORDER BY idx'),
      byHash: db.prepare<{ k: Buffer; h: Buffer }, { shard: number; idx: number }>(['recent', 'index'].map((level) => `
        SELECT l.shard, l.idx FROM leaf_hash_${level} x JOIN leaves l ON l.shard = x.shard AND l.idx = x.idx
        WHERE x.k = @k AND l.leaf_hash = @h`).join(' UNION ALL ') + ' ORDER BY 1, 2'),
      // Both levels are in (shard, idx) order under one key: SQLite merges them, sorting nothing.
      byKey: db.prepare<{ k: Buffer; n: number }, { shard: number; idx: number }>(
        'SELECT shard, idx FROM search_key_recent WHERE k = @k UNION ALL SELECT shard, idx FROM search_key_index WHERE k = @k ORDER BY shard, idx LIMIT @n',
      ),
      checkpoint: db.prepare<[number, number], { note: string }>('SELECT note FROM checkpoints WHERE shard = ? AND size = ?'),
    };
  }

  listShards(): Promise<ShardRecord[]> {
    return settle(() => this.#stmt.shards.all().map(toShard));
  }

  rotate(freeze: { seq: number; checkpoint: string } | undefined, next: ShardRecord): Promise<void> {
    return settle(this.#db.transaction(() => {
      if (freeze) {
        const r = this.#stmt.freeze.run(freeze.checkpoint, freeze.seq);
        if (r.changes !== 1) throw new Error(`shard ${freeze.seq} is not the active shard`);
      }
      this.#stmt.insertShard.run({ ...next, root: next.root });
    }));
  }

  appendBatch(seq: number, batch: SequencedBatch): Promise<void> {
    const s = this.#stmt;
    const indexed = (this.#indexed ??= s.indexed.get()!.n) + batch.entries.length;
    const sweep = sweepAfter(this.#sweepCursor, batch.entries.length, indexed);
    return settle(() => {
      this.#db.transaction(() => {
        const cur = s.shardSize.get(seq);
        const first = batch.entries[0]?.index ?? batch.size;
        if (!cur || cur.frozen === 1) throw new Error(`shard ${seq} is not writable`);
        if (cur.size !== first || first + batch.entries.length !== batch.size) {
          throw new Error(`append at ${first} does not extend shard ${seq} of size ${cur.size}`);
        }
        batch.entries.forEach((e, i) => {
          s.insertLeaf.run(seq, e.index, e.leafHash, e.body, e.integratedTime, e.set);
          s.insertLeafKey.run(leafKey(e.leafHash), seq, e.index);
          for (const k of batch.indexKeys[i] ?? []) s.insertSearchKey.run(searchKey(k), seq, e.index);
        });
        this.#settleKeys(sweep.ranges);
        for (const t of batch.tiles) s.upsertTile.run(seq, t.level, t.index, t.data);
        s.insertCheckpoint.run(seq, batch.size, batch.checkpoint);
        s.updateShard.run(batch.size, batch.root, batch.checkpoint, batch.lastIntegratedTime, seq);
      })();
      this.#indexed = indexed;
      this.#sweepCursor = sweep.cursor;
    });
  }

  /** Moves slices of the key space from the recent levels to the settled ones (inside the caller's transaction). */
  #settleKeys(ranges: readonly KeyRange[]): void {
    for (const level of this.#stmt.settle) {
      for (const r of ranges) {
        if (r.to) {
          level.range.run(r.from, r.to);
          level.dropRange.run(r.from, r.to);
        } else {
          level.tail.run(r.from);
          level.dropTail.run(r.from);
        }
      }
    }
  }

  readTiles(seq: number, ids: readonly TileId[]): Promise<Array<Buffer | undefined>> {
    return settle(() => ids.map((t) => this.#stmt.tile.get(seq, t.level, t.index)?.data));
  }

  getEntry(seq: number, index: number): Promise<StoredEntry | undefined> {
    return settle(() => {
      const r = this.#stmt.entry.get(seq, index);
      return r ? toEntry(r) : undefined;
    });
  }

  getEntries(seq: number, from: number, to: number): Promise<StoredEntry[]> {
    return settle(() => this.#stmt.entries.all(seq, from, to).map(toEntry));
  }

  findLeaf(leafHash: Buffer, seq?: number): Promise<EntryRef[]> {
    return settle(() => this.#stmt.byHash.all({ k: leafKey(leafHash), h: leafHash }).filter((r) => seq === undefined || r.shard === seq).map((r) => ({ shardSeq: r.shard, index: r.idx })));
  }

  search(keys: readonly string[], operator: 'and' | 'or', limit: number): Promise<EntryRef[]> {
    return settle(() => this.#search(keys, operator, limit));
  }

  #search(keys: readonly string[], operator: 'and' | 'or', limit: number): EntryRef[] {
    const sets = keys.map((k) => this.#stmt.byKey.all({ k: searchKey(k), n: limit * 10 }).map((r) => `${r.shard}:${r.idx}`));
    let result: string[];
    if (operator === 'and') {
      const [first, ...rest] = sets;
      result = (first ?? []).filter((x) => rest.every((s) => s.includes(x)));
    } else {
      result = [...new Set(sets.flat())];
    }
    return result.slice(0, limit).map((x) => {
      const [a, b] = x.split(':');
      return { shardSeq: Number(a), index: Number(b) };
    });
  }

  getCheckpoint(seq: number, size: number): Promise<string | undefined> {
    return settle(() => this.#stmt.checkpoint.get(seq, size)?.note);
  }

  async close(): Promise<void> {
    const w = this.#checkpointer;
    if (w) {
      // Its connection closes first, so that closing ours (the last) checkpoints and removes the WAL.
      await new Promise<void>((resolve) => {
        w.once('message', () => resolve());
        w.once('exit', () => resolve());
        w.postMessage('stop');
      });
      await w.terminate();
    }
    return settle(() => {
      this.#db.close();
    });
  }
}
