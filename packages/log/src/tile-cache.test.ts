import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { TileEdge, proveInclusion, rootFromLeafHashes, verifyInclusion, type TileId } from '@sigil/core';
import { TileCache } from './tile-cache.js';

/** Storage for the cache: the latest data of every tile a growing edge wrote, with a read counter. */
function tileStore() {
  const tiles = new Map<string, Buffer>();
  let reads = 0;
  return {
    tiles,
    get reads() {
      return reads;
    },
    load: (ids: readonly TileId[]) => {
      reads += ids.length;
      return Promise.resolve(ids.map((t) => tiles.get(`${t.level}/${t.index}`)));
    },
  };
}

void test('the tile cache serves proofs that verify, reloading what it evicted', async () => {
  const store = tileStore();
  const cache = new TileCache(2, store.load);
  const edge = TileEdge.empty();
  const leaves: Buffer[] = [];
  // Grow in uneven batches so that edge tiles are replaced by wider versions while cached.
  for (const n of [100, 300, 7, 250, 400]) {
    const batch = Array.from({ length: n }, () => randomBytes(32));
    leaves.push(...batch);
    for (const t of edge.append(batch)) {
      store.tiles.set(`${t.level}/${t.index}`, t.data);
      cache.put(t, t.data, t.nodes);
    }
    const size = leaves.length;
    const root = rootFromLeafHashes(leaves);
    assert.ok(edge.root().equals(root));
    for (const index of [0, 1, 255, 256, size - 2, size - 1].filter((i) => i >= 0 && i < size)) {
      const proof = await proveInclusion(index, size, cache.reader);
      verifyInclusion(index, size, leaves[index]!, proof, root); // throws if the proof is wrong
    }
  }
  // Two tiles fit: reading across five level-0 tiles has to go back to storage.
  assert.ok(store.reads > 0, 'evicted tiles were read back');
  // The newest leaf's proof needs two tiles (the edge's level-0 tile and level-1 tile 0): they
  // fit, so once read, the same proof again reads nothing.
  await proveInclusion(leaves.length - 1, leaves.length, cache.reader);
  const before = store.reads;
  await proveInclusion(leaves.length - 1, leaves.length, cache.reader);
  assert.equal(store.reads, before, 'a proof read twice in a row comes from the cache');
});

void test('the tile cache refuses a node its tile does not hold yet', async () => {
  const store = tileStore();
  const cache = new TileCache(8, store.load);
  const edge = TileEdge.empty();
  for (const t of edge.append(Array.from({ length: 10 }, () => randomBytes(32)))) {
    store.tiles.set(`${t.level}/${t.index}`, t.data);
    cache.put(t, t.data, t.nodes);
  }
  await assert.rejects(Promise.resolve(cache.reader([{ level: 0, index: 12 }])), /lacks node/);
});
