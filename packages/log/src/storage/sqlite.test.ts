import assert from 'node:assert/strict';
import fs, { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { EMPTY_ROOT, TileEdge, hashLeaf } from '@sigil/core';
import { runStorageConformance } from './conformance.js';
import { SqliteStorage } from './sqlite.js';
import type { LogStorage } from './storage.js';

const root = mkdtempSync(join(tmpdir(), 'sigil-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

// Both ways of checkpointing keep the contract: the background thread (the default) and
// SQLite's own in-commit checkpoints.
for (const [label, opts] of [['sqlite', {}], ['sqlite, in-commit checkpoints', { checkpointIntervalMs: 0 }]] as const) {
  const files = new WeakMap<LogStorage, string>();
  runStorageConformance(
    label,
    () => {
      const file = join(root, `t${n++}.db`);
      const s = new SqliteStorage(file, opts);
      files.set(s, file);
      return Promise.resolve(s);
    },
    async (s) => {
      const file = files.get(s)!;
      await s.close();
      const again = new SqliteStorage(file, opts);
      files.set(again, file);
      return again;
    },
  );
}

void test('sqlite: the background checkpointer moves committed pages into the database file; close leaves no WAL', async () => {
  const file = join(root, `ckpt${n++}.db`);
  const s = new SqliteStorage(file, { checkpointIntervalMs: 50 });
  await s.rotate(undefined, {
    seq: 0, treeId: 'aa', keyFile: 'k.pem', origin: 'o', signerName: 's', frozen: false, size: 0, root: EMPTY_ROOT, checkpoint: '', lastIntegratedTime: 0, createdAt: 1,
  });
  const before = statSync(file).size;
  const edge = TileEdge.empty();
  for (let b = 0; b < 20; b++) {
    const entries = Array.from({ length: 50 }, (_, i) => {
      const body = Buffer.alloc(600, b * 50 + i);
      return { index: b * 50 + i, leafHash: hashLeaf(body), body, integratedTime: 1, set: Buffer.alloc(70, 1) };
    });
    const tiles = edge.append(entries.map((e) => e.leafHash));
    await s.appendBatch(0, { entries, indexKeys: entries.map((e) => [`k${e.index}`]), tiles, size: edge.size, root: edge.root(), checkpoint: `cp ${edge.size}`, lastIntegratedTime: 1 });
  }
  // ~700 KB committed: far below the writer's own 20,000-page autocheckpoint, so only the
  // background thread can have grown the database file.
  const deadline = Date.now() + 5000;
  while (statSync(file).size < before + 500_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(statSync(file).size >= before + 500_000, `database file grew from ${before} to ${statSync(file).size} bytes only`);
  await s.close();
  assert.equal(existsSync(`${file}-wal`), false, 'a clean close checkpoints and removes the WAL');
  const again = new SqliteStorage(file);
  assert.equal((await again.listShards())[0]!.size, 1000);
  assert.equal((await again.getEntry(0, 999))!.body.equals(Buffer.alloc(600, 999 % 256)), true);
  await again.close();
});

/** Rows in the settled indexes, and where a reopen starts reading entries back, through a second connection. */
function settledState(file: string): { leaf: number; search: number; from: [number, number] } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (t: string): number => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    const st = db.prepare('SELECT shard, idx FROM index_state').get() as { shard: number; idx: number };
    return { leaf: count('leaf_hash_index'), search: count('search_key_index'), from: [st.shard, st.idx] };
  } finally {
    db.close();
  }
}

const shard0 = {
  seq: 0, treeId: 'aa', keyFile: 'k.pem', origin: 'o', signerName: 's', frozen: false, size: 0, root: EMPTY_ROOT, checkpoint: '', lastIntegratedTime: 0, createdAt: 1,
};

void test('sqlite: new keys wait in memory, the sweep settles them in slices, lookups see both levels; a crash reads them back, a close settles them', async () => {
  const file = join(root, `sweep${n++}.db`);
  const first = new SqliteStorage(file, { checkpointIntervalMs: 0 });
  await first.rotate(undefined, shard0);
  const edge = TileEdge.empty();
  const append = async (s: SqliteStorage, from: number, to: number, hot: string): Promise<void> => {
    for (let start = from; start < to; start += 40) {
      const entries = Array.from({ length: 40 }, (_, i) => {
        const body = Buffer.from(`entry ${start + i}`);
        return { index: start + i, leafHash: hashLeaf(body), body, integratedTime: 1, set: Buffer.alloc(4) };
      });
      const tiles = edge.append(entries.map((e) => e.leafHash));
      await s.appendBatch(0, {
        entries, indexKeys: entries.map((e) => [`digest:${e.index}`, `${hot}:${e.index % 2}`]), tiles, size: edge.size, root: edge.root(), checkpoint: 'cp', lastIntegratedTime: 1,
      });
    }
  };
  const lookups = async (s: SqliteStorage, label: string, upTo: number): Promise<void> => {
    for (const i of [0, 1, 4567, upTo - 41, upTo - 1]) {
      assert.deepEqual(await s.findLeaf(hashLeaf(Buffer.from(`entry ${i}`))), [{ shardSeq: 0, index: i }], `${label}: leaf ${i}`);
      assert.deepEqual(await s.search([`digest:${i}`], 'or', 10), [{ shardSeq: 0, index: i }], `${label}: key of ${i}`);
    }
    assert.deepEqual(await s.findLeaf(hashLeaf(Buffer.from(`entry ${upTo}`))), [], `${label}: no such leaf`);
    // One key on half the entries (settled a few hundred per commit), spread over both levels:
    // merged in (shard, idx) order, limit applied.
    assert.deepEqual((await s.search(['parity:0'], 'or', 5)).map((r) => r.index), [0, 2, 4, 6, 8], label);
    assert.equal((await s.search(['parity:1'], 'or', 100_000)).length, 6000, label);
  };
  await append(first, 0, 12_000, 'parity');
  const st = settledState(file);
  // A lap of the sweep takes 4,096 entries on a log this small; a key waits about half a lap.
  assert.ok(st.leaf > 12_000 - 3500 && st.leaf < 12_000 - 1000, `settled leaf keys: ${st.leaf}`);
  assert.ok(st.from[1] > 12_000 - 8000 && st.from[1] < 12_000, `a reopen reads back from entry ${st.from[1]}`);
  await lookups(first, 'first', 12_000);
  // What a restart after a crash sees: the file as the first store left it, nothing settled at close.
  const restarted = new SqliteStorage(file, { checkpointIntervalMs: 0 });
  await lookups(restarted, 'read back after a crash', 12_000);
  await first.close();
  await append(restarted, 12_000, 20_000, 'other');
  await lookups(restarted, 'appending after the restart', 20_000);
  await restarted.close();
  assert.deepEqual(settledState(file), { leaf: 20_000, search: 40_000, from: [0, 20_000] }, 'a clean close settles every key');
  const reopened = new SqliteStorage(file, { checkpointIntervalMs: 0 });
  await lookups(reopened, 'after a clean close', 20_000);
  await reopened.close();
});

void test('sqlite: a leaf hash is indexed by its first 8 bytes and confirmed against the stored leaf', async () => {
  const file = join(root, `prefix${n++}.db`);
  const s = new SqliteStorage(file, { checkpointIntervalMs: 0 });
  await s.rotate(undefined, shard0);
  const a = Buffer.alloc(32, 7);
  const b = Buffer.concat([Buffer.alloc(8, 7), Buffer.alloc(24, 9)]); // same 8-byte prefix as a
  const edge = TileEdge.empty();
  const entries = [a, b].map((leafHash, index) => ({ index, leafHash, body: Buffer.from(`b${index}`), integratedTime: 1, set: Buffer.alloc(1) }));
  const tiles = edge.append([a, b]);
  await s.appendBatch(0, { entries, indexKeys: [[], []], tiles, size: 2, root: edge.root(), checkpoint: 'cp', lastIntegratedTime: 1 });
  assert.deepEqual(await s.findLeaf(a), [{ shardSeq: 0, index: 0 }]);
  assert.deepEqual(await s.findLeaf(b), [{ shardSeq: 0, index: 1 }]);
  assert.deepEqual(await s.findLeaf(Buffer.concat([Buffer.alloc(8, 7), Buffer.alloc(24, 1)])), []);
  await s.close();
});

void test('sqlite: a database of the single-index layout (version 0) is rebuilt into the two-level one on open', async () => {
  const file = join(root, `v0-${n++}.db`);
  const old = new Database(file);
  old.exec(`
    CREATE TABLE shards (seq INTEGER PRIMARY KEY, tree_id TEXT NOT NULL UNIQUE, key_file TEXT NOT NULL, origin TEXT NOT NULL,
      signer_name TEXT NOT NULL, frozen INTEGER NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,
      checkpoint TEXT NOT NULL, last_time INTEGER NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE leaves (shard INTEGER NOT NULL, idx INTEGER NOT NULL, leaf_hash BLOB NOT NULL, body BLOB NOT NULL,
      integrated_time INTEGER NOT NULL, sig BLOB NOT NULL, PRIMARY KEY (shard, idx)) WITHOUT ROWID;
    CREATE INDEX leaves_by_hash ON leaves (leaf_hash);
    CREATE TABLE search_keys (key TEXT NOT NULL, shard INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (key, shard, idx)) WITHOUT ROWID;
  `);
  old.prepare("INSERT INTO shards VALUES (0, 'aa', 'k.pem', 'o', 's', 0, 300, ?, 'cp', 1, 1)").run(Buffer.alloc(32));
  const leaf = old.prepare('INSERT INTO leaves VALUES (0, ?, ?, ?, 1, ?)');
  const key = old.prepare('INSERT INTO search_keys VALUES (?, 0, ?)');
  for (let i = 0; i < 300; i++) {
    leaf.run(i, hashLeaf(Buffer.from(`old ${i}`)), Buffer.from(`old ${i}`), Buffer.alloc(1));
    key.run(`sha256:${i}`, i);
    key.run('pub:one', i);
  }
  old.close();
  const notices: string[] = [];
  const s = new SqliteStorage(file, { checkpointIntervalMs: 0, onUpgrade: (m) => notices.push(m) });
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /of 300 entries/);
  assert.deepEqual(await s.findLeaf(hashLeaf(Buffer.from('old 123'))), [{ shardSeq: 0, index: 123 }]);
  assert.deepEqual(await s.search(['sha256:77'], 'or', 10), [{ shardSeq: 0, index: 77 }]);
  assert.equal((await s.search(['pub:one'], 'or', 1000)).length, 300);
  await s.close();
  assert.deepEqual(settledState(file), { leaf: 300, search: 600, from: [0, 300] });
  const check = new Database(file, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), 2);
  assert.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE name IN ('leaves_by_hash', 'search_keys')").all(), []);
  check.close();
  const again = new SqliteStorage(file, { checkpointIntervalMs: 0, onUpgrade: (m) => notices.push(m) });
  await again.close();
  assert.equal(notices.length, 1, 'an upgraded database opens without another notice');
  // A layout from the future is refused rather than misread.
  const future = new Database(file);
  future.pragma('user_version = 3');
  future.close();
  assert.throws(() => new SqliteStorage(file, { checkpointIntervalMs: 0 }), /layout version 3/);
});

void test('sqlite: entries with many search keys still lap the sweep; a store that only read writes nothing at close', async () => {
  const file = join(root, `manykeys${n++}.db`);
  const s = new SqliteStorage(file, { checkpointIntervalMs: 0 });
  await s.rotate(undefined, shard0);
  const edge = TileEdge.empty();
  const total = 12_000;
  for (let start = 0; start < total; start += 40) {
    const entries = Array.from({ length: 40 }, (_, i) => {
      const body = Buffer.from(`many ${start + i}`);
      return { index: start + i, leafHash: hashLeaf(body), body, integratedTime: 1, set: Buffer.alloc(4) };
    });
    const tiles = edge.append(entries.map((e) => e.leafHash));
    await s.appendBatch(0, {
      // 12 keys per entry, one of them shared by all: four times what a hashedrekord adds.
      entries, indexKeys: entries.map((e) => [...Array.from({ length: 11 }, (_, k) => `k${k}:${e.index}`), 'shared']), tiles, size: edge.size, root: edge.root(), checkpoint: 'cp', lastIntegratedTime: 1,
    });
  }
  // Laps take 4,096 entries here: the oldest entry with a key waiting is at most about two laps back.
  const before = settledState(file);
  assert.ok(before.from[1] > total - 2 * 4096 - 400, `a reopen would read back from entry ${before.from[1]} of ${total}`);
  assert.equal((await s.search(['shared'], 'or', 100_000)).length, total);
  assert.deepEqual(await s.search(['k7:9876'], 'or', 10), [{ shardSeq: 0, index: 9876 }]);
  // The batch duplicate check finds keys in both levels: long settled, and still recent.
  const probe = ['many 5', 'many 11999', 'many 12000', 'many 4000'].map((x) => hashLeaf(Buffer.from(x)));
  assert.deepEqual(await s.findLeaves(probe, 0), [5, 11_999, undefined, 4000]);
  const reader = new SqliteStorage(file, { checkpointIntervalMs: 0 });
  assert.deepEqual(await reader.findLeaf(hashLeaf(Buffer.from('many 11999'))), [{ shardSeq: 0, index: 11_999 }]);
  await reader.close();
  assert.deepEqual(settledState(file), before, 'closing a store that never appended changes nothing');
  await s.close();
  assert.deepEqual(settledState(file).from, [0, total]);
});

void test('sqlite: a batch is answered only after the WAL is synced; a failed sync stops the store for good', async () => {
  const file = join(root, `sync${n++}.db`);
  const s = new SqliteStorage(file, { checkpointIntervalMs: 0 });
  const synced: number[] = [];
  const realSync = fs.fdatasync;
  let fail = false;
  // The store syncs through node:fs's fdatasync (on libuv's pool): watch it, then make it fail.
  fs.fdatasync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    synced.push(fd);
    if (fail) return setImmediate(() => cb(Object.assign(new Error('I/O error'), { code: 'EIO' })));
    return realSync(fd, cb);
  }) as typeof fs.fdatasync;
  try {
    await s.rotate(undefined, {
      seq: 0, treeId: 'bb', keyFile: 'k.pem', origin: 'o', signerName: 's', frozen: false, size: 0, root: EMPTY_ROOT, checkpoint: '', lastIntegratedTime: 0, createdAt: 1,
    });
    assert.equal(synced.length, 1, 'rotate synced the WAL before resolving');
    const edge = TileEdge.empty();
    const batch = (from: number, count: number): Parameters<LogStorage['appendBatch']>[1] => {
      const entries = Array.from({ length: count }, (_, i) => {
        const body = Buffer.from(`entry ${from + i}`);
        return { index: from + i, leafHash: hashLeaf(body), body, integratedTime: 1, set: Buffer.alloc(70, 1) };
      });
      const tiles = edge.append(entries.map((e) => e.leafHash));
      return { entries, indexKeys: entries.map((e) => [`k${e.index}`]), tiles, size: edge.size, root: edge.root(), checkpoint: `cp ${edge.size}`, lastIntegratedTime: 1 };
    };
    await s.appendBatch(0, batch(0, 3));
    assert.equal(synced.length, 2, 'appendBatch synced the WAL before resolving');
    fail = true;
    await assert.rejects(s.appendBatch(0, batch(3, 2)), /could not be synced to disk \(EIO\)/);
    fail = false;
    // Nothing is trusted after a failed sync: no more writes, and no listing for a recovery
    // that would otherwise reload (and serve) the unsynced batch.
    await assert.rejects(s.appendBatch(0, batch(5, 1)), /refuses further writes/);
    await assert.rejects(s.listShards(), /refuses further writes/);
    assert.equal(synced.length, 3, 'a refused write does not even reach the disk');
  } finally {
    fs.fdatasync = realSync;
    await s.close();
  }
});
