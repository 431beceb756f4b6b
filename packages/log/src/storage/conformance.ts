import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_ROOT, TileEdge, hashLeaf } from '@sigil/core';
import type { LogStorage, SequencedBatch, ShardRecord } from './storage.js';

/**
 * The contract every storage driver must meet, as one suite: `open()` returns a fresh,
 * empty store each time; `reopen(store)` closes it and opens the same data again.
 */
export function runStorageConformance(
  driver: string,
  open: () => Promise<LogStorage>,
  reopen: (s: LogStorage) => Promise<LogStorage>,
): void {
  const shard = (seq: number, treeId: string): ShardRecord => ({
    seq, treeId, keyFile: `k${seq}.pem`, origin: `example - ${treeId}`, signerName: 'example', frozen: false,
    size: 0, root: EMPTY_ROOT, checkpoint: '', lastIntegratedTime: 0, createdAt: 1000 + seq,
  });
  const batchOf = (edge: TileEdge, start: number, n: number, tag: string): SequencedBatch => {
    const entries = Array.from({ length: n }, (_, i) => {
      const body = Buffer.from(`${tag}-${start + i}`);
      return { index: start + i, leafHash: hashLeaf(body), body, integratedTime: 2000, set: Buffer.from([1, 2, 3]) };
    });
    const tiles = edge.append(entries.map((e) => e.leafHash));
    return { entries, indexKeys: entries.map((e) => [`key:${e.body.toString()}`, 'key:all']), tiles, size: edge.size, root: edge.root(), checkpoint: `cp ${edge.size}\n`, lastIntegratedTime: 2000 };
  };

  void test(`${driver}: a new store has no shards; rotate creates and freezes them atomically`, async () => {
    const s = await open();
    assert.deepEqual(await s.listShards(), []);
    await s.rotate(undefined, shard(0, '11'));
    await s.rotate({ seq: 0, checkpoint: 'final\n' }, shard(1, '22'));
    const list = await s.listShards();
    assert.deepEqual(list.map((x) => [x.seq, x.treeId, x.frozen, x.checkpoint]), [[0, '11', true, 'final\n'], [1, '22', false, '']]);
    await assert.rejects(s.rotate({ seq: 0, checkpoint: 'again\n' }, shard(2, '33')), 'freezing a frozen shard must fail');
    assert.equal((await s.listShards()).length, 2, 'a failed rotation changes nothing');
    await s.close();
  });

  void test(`${driver}: appended batches are readable, durable across reopen, and extend exactly`, async () => {
    let s = await open();
    await s.rotate(undefined, shard(0, '11'));
    const edge = TileEdge.empty();
    await s.appendBatch(0, batchOf(edge, 0, 300, 'a'));
    await s.appendBatch(0, batchOf(edge, 300, 5, 'a'));
    // A second writer's batch (wrong start index) is refused and leaves no trace.
    const stale = batchOf(TileEdge.empty(), 0, 3, 'b');
    await assert.rejects(s.appendBatch(0, stale));
    s = await reopen(s);
    const [rec] = await s.listShards();
    assert.equal(rec?.size, 305);
    assert.ok(rec?.root.equals(edge.root()));
    assert.equal(rec?.checkpoint, 'cp 305\n');
    assert.equal(await s.getCheckpoint(0, 300), 'cp 300\n');
    const e = await s.getEntry(0, 301);
    assert.equal(e?.body.toString(), 'a-301');
    assert.equal((await s.getEntries(0, 250, 260)).length, 10);
    assert.deepEqual(await s.findLeaf(hashLeaf(Buffer.from('a-7'))), [{ shardSeq: 0, index: 7 }]);
    assert.deepEqual(await s.findLeaf(hashLeaf(Buffer.from('b-0'))), []);
    const probe = ['a-7', 'b-0', 'a-304', 'a-0'].map((x) => hashLeaf(Buffer.from(x)));
    assert.deepEqual(await s.findLeaves(probe, 0), [7, undefined, 304, 0]);
    assert.deepEqual(await s.findLeaves(probe, 1), [undefined, undefined, undefined, undefined]);
    assert.deepEqual(await s.findLeaves([], 0), []);
    const restored = TileEdge.restore(305, await s.readTiles(0, TileEdge.partialTiles(305)) as Buffer[]);
    assert.ok(restored.root().equals(edge.root()), 'partial tiles restore the edge');
    const [full] = await s.readTiles(0, [{ level: 0, index: 0 }]);
    assert.equal(full?.length, 256 * 32);
    assert.deepEqual(await s.search(['key:a-9'], 'or', 10), [{ shardSeq: 0, index: 9 }]);
    assert.deepEqual(await s.search(['key:a-9', 'key:all'], 'and', 10), [{ shardSeq: 0, index: 9 }]);
    assert.equal((await s.search(['key:all'], 'or', 7)).length, 7, 'search honours its limit');
    await s.close();
  });

  void test(`${driver}: a frozen shard takes no more writes`, async () => {
    const s = await open();
    await s.rotate(undefined, shard(0, '11'));
    const edge = TileEdge.empty();
    await s.appendBatch(0, batchOf(edge, 0, 2, 'c'));
    await s.rotate({ seq: 0, checkpoint: 'final\n' }, shard(1, '22'));
    await assert.rejects(s.appendBatch(0, batchOf(edge, 2, 1, 'c')));
    await s.appendBatch(1, batchOf(TileEdge.empty(), 0, 1, 'c'));
    assert.deepEqual((await s.findLeaf(hashLeaf(Buffer.from('c-0')))).map((r) => r.shardSeq), [0, 1]);
    assert.deepEqual(await s.findLeaf(hashLeaf(Buffer.from('c-0')), 1), [{ shardSeq: 1, index: 0 }]);
    assert.deepEqual(await s.findLeaves([hashLeaf(Buffer.from('c-1')), hashLeaf(Buffer.from('c-0'))], 1), [undefined, 0]);
    assert.deepEqual(await s.findLeaves([hashLeaf(Buffer.from('c-1')), hashLeaf(Buffer.from('c-0'))], 0), [1, 0]);
    await s.close();
  });
}
