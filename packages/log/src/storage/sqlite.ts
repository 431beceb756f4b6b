import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { TileId } from '@sigil/core';
import { KEY_SPACE, sweepAfter } from './index-sweep.js';
import { RecentKeys, type RecentEntry, type RecentKey, type Ref } from './recent-keys.js';
import type { EntryRef, LogStorage, SequencedBatch, ShardRecord, StoredEntry } from './storage.js';

// Lookups by leaf hash and by search key use two-level indexes (index-sweep.ts): the recent
// level is in memory (recent-keys.ts) and durable through `leaves.keys` and `index_state`;
// *_index is the settled level, filled in key order. Leaf hashes are indexed by their first
// 8 bytes (a hit is confirmed against the leaf row); search keys by the first 16 bytes of
// their SHA-256, which makes every key the same width and uniform over the key space.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS shards (
  seq INTEGER PRIMARY KEY, tree_id TEXT NOT NULL UNIQUE, key_file TEXT NOT NULL, origin TEXT NOT NULL,
  signer_name TEXT NOT NULL, frozen INTEGER NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,
  checkpoint TEXT NOT NULL, last_time INTEGER NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leaves (
  shard INTEGER NOT NULL, idx INTEGER NOT NULL, leaf_hash BLOB NOT NULL, body BLOB NOT NULL,
  integrated_time INTEGER NOT NULL, sig BLOB NOT NULL, keys BLOB NOT NULL DEFAULT x'', PRIMARY KEY (shard, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tiles (
  shard INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (shard, level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  shard INTEGER NOT NULL, size INTEGER NOT NULL, note TEXT NOT NULL, PRIMARY KEY (shard, size)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leaf_hash_index (
  k BLOB NOT NULL, shard INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, shard, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_key_index (
  k BLOB NOT NULL, shard INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, shard, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_state (
  id INTEGER PRIMARY KEY CHECK (id = 0), cursor INTEGER NOT NULL, shard INTEGER NOT NULL, idx INTEGER NOT NULL
);
`;
/** PRAGMA user_version of this layout. 0 was a single-level index (leaves_by_hash, search_keys). */
const SCHEMA_VERSION = 2;
const SEARCH_KEY_BYTES = 16;

const leafKey = (leafHash: Buffer): Buffer => leafHash.subarray(0, 8);
const searchKey = (key: string): Buffer => createHash('sha256').update(key).digest().subarray(0, SEARCH_KEY_BYTES);

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
    if (!(db.pragma('table_info(leaves)') as Array<{ name: string }>).some((c) => c.name === 'keys')) {
      db.exec("ALTER TABLE leaves ADD COLUMN keys BLOB NOT NULL DEFAULT x''");
    }
    if (had('leaves_by_hash')) {
      db.exec('INSERT INTO leaf_hash_index SELECT substr(leaf_hash, 1, 8), shard, idx FROM leaves ORDER BY 1, 2, 3; DROP INDEX leaves_by_hash;');
    }
    if (had('search_keys')) {
      db.function('sigil_search_key', { deterministic: true }, (k: unknown) => searchKey(String(k)));
      db.exec('INSERT OR IGNORE INTO search_key_index SELECT sigil_search_key(key), shard, idx FROM search_keys ORDER BY 1, 2, 3; DROP TABLE search_keys;');
    }
    // Everything is settled: a reopen has nothing to read back into the recent level.
    db.exec(`INSERT OR IGNORE INTO index_state
      SELECT 0, 0, coalesce(max(seq), 0), coalesce((SELECT size FROM shards ORDER BY seq DESC LIMIT 1), 0) FROM shards`);
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

/** Refs of both levels in (shard, idx) order, each once (an entry can be in both after a reopen). */
function merged(recent: readonly Ref[], settled: readonly Ref[], limit = Infinity): Ref[] {
  if (recent.length === 0) return settled.slice(0, limit);
  const seen = new Set<string>();
  return [...settled, ...recent]
    .filter((r) => {
      const id = `${r.shard}:${r.idx}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => a.shard - b.shard || a.idx - b.idx)
    .slice(0, limit);
}

/** Keys settled per commit, at most: this many times the keys the commit adds, plus SETTLE_EXTRA. */
const SETTLE_FACTOR = 2;
const SETTLE_EXTRA = 64;
/** Entries read back per add to the recent level after a crash. */
const READ_BACK_CHUNK = 4096;

const toEntry = (r: LeafRow): StoredEntry => ({ index: r.idx, leafHash: r.leaf_hash, body: r.body, integratedTime: r.integrated_time, set: r.sig });

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

/**
 * SQLite driver: one file, WAL. better-sqlite3 is synchronous; each method does its work in
 * one call and one transaction, which also makes every batch atomic to readers.
 *
 * Durability: with synchronous=FULL the COMMIT itself would fsync the WAL, and the event
 * loop would wait on the disk (~1.3 ms per commit of ~24 entries under load, a sixth of the
 * main thread's time at 3,000 appends/s). Instead commits run with synchronous=NORMAL (SQLite writes the
 * WAL frames but does not sync them), and appendBatch and rotate resolve only after an
 * fdatasync of the WAL, run on libuv's thread pool. A WAL whose frames are synced holds the
 * transaction, exactly as after a FULL commit; checkpoints (the background thread's, and
 * the last connection's at close) still sync the WAL before copying and the database after.
 * If that fdatasync fails, what the page cache holds can no longer be trusted to reach the
 * disk (the "fsyncgate" lesson): the store then refuses every further write and listShards,
 * which stops the sequencer, instead of retrying and serving entries that may not survive.
 *
 * Lookups by leaf hash and search key go through two-level indexes whose recent level lives
 * in this object (see the schema above), so one store appends at a time; others may read
 * the same file.
 */
export class SqliteStorage implements LogStorage {
  readonly #db: Database.Database;
  readonly #stmt;
  readonly #checkpointer: Worker | undefined;
  /** Where the index sweep goes on next (also in index_state). */
  #sweepCursor = 0;
  /** Entries in the indexes (all shards), read once at the first append. */
  #indexed: number | undefined;
  readonly #recent = new RecentKeys();
  readonly #file: string;
  /** The WAL, opened for fdatasync at the first write. */
  #walFd: number | undefined;
  /** Set when an fdatasync failed: the store is unusable from then on. */
  #broken: Error | undefined;
  readonly #inTransaction: (work: () => void) => void;
  readonly #lookUpLeaves: (hashes: readonly Buffer[], seq: number) => Array<number | undefined>;
  /** Only the store that appended settles at close: a reader (a CLI beside the server) writes nothing. */
  #appended = false;

  constructor(file: string, opts: SqliteOptions = {}) {
    this.#file = file;
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    // FULL while the schema is created or migrated here; NORMAL for the commits that follow.
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    // Keep the hot indexes (leaf hash, search keys) in memory as the tree grows.
    this.#db.pragma('cache_size = -65536');
    this.#db.pragma('temp_store = memory');
    this.#db.exec(SCHEMA);
    migrate(this.#db, opts.onUpgrade);
    this.#db.pragma('synchronous = NORMAL');
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
      insertLeaf: db.prepare('INSERT INTO leaves VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // Idempotent: after a reopen, keys already settled may be read back as recent ones.
      settleLeaf: db.prepare('INSERT OR IGNORE INTO leaf_hash_index VALUES (?, ?, ?)'),
      settleSearch: db.prepare('INSERT OR IGNORE INTO search_key_index VALUES (?, ?, ?)'),
      saveState: db.prepare('UPDATE index_state SET cursor = ?, shard = ?, idx = ? WHERE id = 0'),
      lastShard: db.prepare<[], { seq: number; size: number }>('SELECT seq, size FROM shards ORDER BY seq DESC LIMIT 1'),
      state: db.prepare<[], { cursor: number; shard: number; idx: number }>('SELECT cursor, shard, idx FROM index_state WHERE id = 0'),
      unsettled: db
        .prepare<[number, number], [shard: number, idx: number, leafHash: Buffer, keys: Buffer]>(
          'SELECT shard, idx, leaf_hash, keys FROM leaves WHERE (shard, idx) >= (?, ?) ORDER BY shard, idx',
        )
        .raw(),
      indexed: db.prepare<[], { n: number }>('SELECT coalesce(sum(size), 0) AS n FROM shards'),
      upsertTile: db.prepare('INSERT INTO tiles VALUES (?, ?, ?, ?) ON CONFLICT (shard, level, idx) DO UPDATE SET data = excluded.data'),
      insertCheckpoint: db.prepare('INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)'),
      tile: db.prepare<[number, number, number], { data: Buffer }>('SELECT data FROM tiles WHERE shard = ? AND level = ? AND idx = ?'),
      entry: db.prepare<[number, number], LeafRow>('SELECT idx, leaf_hash, body, integrated_time, sig FROM leaves WHERE shard = ? AND idx = ?'),
      entries: db.prepare<[number, number, number], LeafRow>('SELECT idx, leaf_hash, body, integrated_time, sig FROM leaves WHERE shard = ? AND idx >= ? AND idx < ? ORDER BY idx'),
      byHash: db.prepare<{ k: Buffer; h: Buffer }, Ref>(`
        SELECT l.shard, l.idx FROM leaf_hash_index x JOIN leaves l ON l.shard = x.shard AND l.idx = x.idx
        WHERE x.k = @k AND l.leaf_hash = @h`),
      byKey: db.prepare<[Buffer, number], Ref>('SELECT shard, idx FROM search_key_index WHERE k = ? ORDER BY shard, idx LIMIT ?'),
      checkpoint: db.prepare<[number, number], { note: string }>('SELECT note FROM checkpoints WHERE shard = ? AND size = ?'),
    };
    // Made once: better-sqlite3 builds a transaction's wrapper functions on every call.
    this.#inTransaction = db.transaction((work: () => void) => work());
    // One read transaction for a batch: each statement outside one takes and drops the WAL's
    // shared-memory read lock (two fcntl calls) on its own.
    this.#lookUpLeaves = db.transaction((hashes: readonly Buffer[], seq: number) => hashes.map((h) => this.#leafRefs(h).find((r) => r.shard === seq)?.idx));
    this.#loadRecent();
  }

  /** Read back the entries that may have keys not yet settled (about one lap of the sweep at most). */
  #loadRecent(): void {
    const state = this.#stmt.state.get()!; // migrate() writes it
    this.#sweepCursor = state.cursor;
    // In chunks, so that the rows read become garbage young instead of all at once.
    let chunk: RecentEntry[] = [];
    const flush = (): void => {
      this.#recent.add(RecentKeys.keysOf(chunk));
      chunk = [];
    };
    for (const [shard, idx, leafHash, keys] of this.#stmt.unsettled.iterate(state.shard, state.idx)) {
      if (chunk.length === READ_BACK_CHUNK || (chunk.length > 0 && chunk[0]!.shard !== shard)) flush();
      const searchKeys = Array.from({ length: keys.length / SEARCH_KEY_BYTES }, (_, i) => keys.subarray(i * SEARCH_KEY_BYTES, (i + 1) * SEARCH_KEY_BYTES));
      chunk.push({ shard, idx, leafHash, searchKeys });
    }
    flush();
  }

  listShards(): Promise<ShardRecord[]> {
    if (this.#broken) return Promise.reject(this.#broken);
    return settle(() => this.#stmt.shards.all().map(toShard));
  }

  rotate(freeze: { seq: number; checkpoint: string } | undefined, next: ShardRecord): Promise<void> {
    return this.#commit(() => {
      if (freeze) {
        const r = this.#stmt.freeze.run(freeze.checkpoint, freeze.seq);
        if (r.changes !== 1) throw new Error(`shard ${freeze.seq} is not the active shard`);
      }
      this.#stmt.insertShard.run({ ...next, root: next.root });
    });
  }

  /** Run `work` in one transaction, then make it durable (see the class comment). */
  #commit(work: () => void): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken);
    try {
      // Opened before the first transaction (the constructor's reads created the WAL), so
      // that failing to open it cannot leave a committed batch reported as refused.
      this.#walFd ??= fs.openSync(`${this.#file}-wal`, 'r+');
      this.#inTransaction(work);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const fd = this.#walFd;
    return new Promise((resolve, reject) => {
      fs.fdatasync(fd, (err) => {
        if (!err) return resolve();
        this.#broken ??= new Error(`the log database's WAL could not be synced to disk (${err.code ?? err.message}); the store refuses further writes: restart the log`);
        reject(this.#broken);
      });
    });
  }

  appendBatch(seq: number, batch: SequencedBatch): Promise<void> {
    const s = this.#stmt;
    const n = batch.entries.length;
    const first = batch.entries[0]?.index ?? batch.size;
    const indexed = (this.#indexed ??= s.indexed.get()!.n) + n;
    const fresh: RecentEntry[] = batch.entries.map((e, i) => ({
      shard: seq, idx: e.index, leafHash: e.leafHash, searchKeys: [...new Set(batch.indexKeys[i] ?? [])].map(searchKey),
    }));
    const freshKeys = RecentKeys.keysOf(fresh);
    const sweep = sweepAfter(this.#sweepCursor, n, indexed);
    // A commit as long as a lap (a bulk load, a small log) settles everything, its own keys too.
    // Otherwise at most SETTLE_FACTOR times the keys it adds: one signer's key shared by
    // thousands of entries is settled over several commits instead of stalling one, and the
    // recent level still drains faster than it fills.
    const taken = this.#recent.take(sweep.ranges, sweep.whole ? Infinity : SETTLE_FACTOR * freshKeys.length + SETTLE_EXTRA);
    const settling = sweep.whole ? [...taken.keys, ...freshKeys] : taken.keys;
    const cursor = taken.leftAt ?? sweep.cursor;
    // Where a reopen must start reading back (conservative by one commit).
    const oldest = sweep.whole ? { shard: seq, idx: batch.size } : this.#recent.oldest ?? { shard: seq, idx: first };
    return this.#commit(() => {
      const cur = s.shardSize.get(seq);
      if (!cur || cur.frozen === 1) throw new Error(`shard ${seq} is not writable`);
      if (cur.size !== first || first + n !== batch.size) {
        throw new Error(`append at ${first} does not extend shard ${seq} of size ${cur.size}`);
      }
      batch.entries.forEach((e, i) => {
        s.insertLeaf.run(seq, e.index, e.leafHash, e.body, e.integratedTime, e.set, Buffer.concat(fresh[i]!.searchKeys));
      });
      this.#writeSettled(settling);
      s.saveState.run(cursor, oldest.shard, oldest.idx);
      for (const t of batch.tiles) s.upsertTile.run(seq, t.level, t.index, t.data);
      s.insertCheckpoint.run(seq, batch.size, batch.checkpoint);
      s.updateShard.run(batch.size, batch.root, batch.checkpoint, batch.lastIntegratedTime, seq);
    }).then(() => {
      // Only what committed (and is durable) changes the recent level.
      this.#recent.settled(taken.keys);
      if (!sweep.whole) this.#recent.add(freshKeys);
      this.#indexed = indexed;
      this.#sweepCursor = cursor;
      this.#appended = true;
    });
  }

  /** Insert keys into the settled indexes in key order (inside the caller's transaction); sorts `keys`. */
  #writeSettled(keys: RecentKey[]): void {
    keys.sort((a, b) => (a.kind === b.kind ? Buffer.compare(a.key, b.key) : a.kind === 'leaf' ? -1 : 1));
    for (const k of keys) (k.kind === 'leaf' ? this.#stmt.settleLeaf : this.#stmt.settleSearch).run(k.key, k.shard, k.idx);
  }

  /**
   * Settle every waiting key, so that the next open has nothing to read back (a clean
   * restart stays fast). Best effort: if it fails, the next open reads them back instead.
   */
  #settleAll(): void {
    if (!this.#appended || !this.#db.open || this.#recent.size === 0) return;
    const keys = this.#recent.take([[0, KEY_SPACE]]).keys;
    try {
      this.#inTransaction(() => {
        this.#writeSettled(keys);
        const last = this.#stmt.lastShard.get();
        this.#stmt.saveState.run(this.#sweepCursor, last?.seq ?? 0, last?.size ?? 0);
      });
      this.#recent.settled(keys);
    } catch {
      // Left waiting: the next open reads them back from the leaf rows.
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
    return settle(() =>
      this.#leafRefs(leafHash)
        .filter((r) => seq === undefined || r.shard === seq)
        .map((r) => ({ shardSeq: r.shard, index: r.idx })),
    );
  }

  /** Where a leaf hash appears, both levels merged, oldest shard first. */
  #leafRefs(leafHash: Buffer): Ref[] {
    return merged(this.#recent.findLeaf(leafHash), this.#stmt.byHash.all({ k: leafKey(leafHash), h: leafHash }));
  }

  findLeaves(leafHashes: readonly Buffer[], seq: number): Promise<Array<number | undefined>> {
    return settle(() => this.#lookUpLeaves(leafHashes, seq));
  }

  search(keys: readonly string[], operator: 'and' | 'or', limit: number): Promise<EntryRef[]> {
    return settle(() => this.#search(keys, operator, limit));
  }

  #search(keys: readonly string[], operator: 'and' | 'or', limit: number): EntryRef[] {
    const sets = keys.map((k) => {
      const id = searchKey(k);
      return merged(this.#recent.findSearch(id), this.#stmt.byKey.all(id, limit * 10), limit * 10).map((r) => `${r.shard}:${r.idx}`);
    });
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
    this.#settleAll();
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
      if (this.#walFd !== undefined) fs.closeSync(this.#walFd);
      this.#walFd = undefined;
      this.#db.close();
    });
  }
}
