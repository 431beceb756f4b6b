import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
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
