import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_SPACE } from './index-sweep.js';
import { RecentKeys, type RecentEntry } from './recent-keys.js';

/** A buffer of `len` bytes whose first 6 read as position `pos`. */
const at = (pos: number, len: number, fill = 0xab): Buffer => {
  const b = Buffer.alloc(len, fill);
  b.writeUIntBE(pos, 0, 6);
  return b;
};
const P = KEY_SPACE / 16; // positions in sixteenths of the key space
const entry = (shard: number, idx: number, leaf: number, keys: number[]): RecentEntry => ({ shard, idx, leafHash: at(leaf * P, 32, idx), searchKeys: keys.map((k) => at(k * P, 16)) });

void test('recent keys: lookups by full leaf hash and by search key; slices come out by position, capped', () => {
  const r = new RecentKeys();
  r.add(RecentKeys.keysOf([entry(0, 10, 5, [7, 1]), entry(0, 11, 4, [7])]));
  r.add(RecentKeys.keysOf([entry(0, 12, 3, [7, 9])]));
  assert.equal(r.size, 8);
  assert.deepEqual(r.oldest, { shard: 0, idx: 10 });
  assert.deepEqual(r.findLeaf(at(5 * P, 32, 10)), [{ shard: 0, idx: 10 }]);
  assert.deepEqual(r.findLeaf(at(5 * P, 32, 99)), [], 'same position, another leaf hash');
  assert.deepEqual(r.findSearch(at(7 * P, 16)), [{ shard: 0, idx: 10 }, { shard: 0, idx: 11 }, { shard: 0, idx: 12 }]);
  assert.deepEqual(r.findSearch(at(7 * P, 16, 0)), [], 'same position, another key');
  const all = r.take([[0, 8 * P]]);
  assert.equal(all.leftAt, undefined);
  assert.deepEqual(all.keys.map((k) => [k.kind, k.pos / P, k.idx]), [
    ['search', 1, 10], ['leaf', 3, 12], ['leaf', 4, 11], ['leaf', 5, 10], ['search', 7, 10], ['search', 7, 11], ['search', 7, 12],
  ]);
  const capped = r.take([[0, 8 * P]], 5);
  assert.equal(capped.keys.length, 5);
  assert.equal(capped.leftAt, 7 * P, 'the sweep stops at the first key it leaves');
  const wrapped = r.take([[9 * P, KEY_SPACE], [0, 2 * P]]);
  assert.deepEqual(wrapped.keys.map((k) => k.pos / P), [9, 1], 'ranges in the order given');
  assert.deepEqual(r.take([[5 * P, 5 * P]]).keys, [], 'an empty range');
});

void test('recent keys: settling forgets keys and moves the read-back point past whole batches', () => {
  const r = new RecentKeys();
  r.add(RecentKeys.keysOf([entry(1, 0, 1, [2]), entry(1, 1, 3, [])]));
  r.add(RecentKeys.keysOf([entry(1, 2, 12, [13])]));
  r.settled(r.take([[0, 2 * P]]).keys);
  assert.deepEqual(r.findLeaf(at(1 * P, 32, 0)), []);
  assert.deepEqual(r.findSearch(at(2 * P, 16)), [{ shard: 1, idx: 0 }], 'its search key still waits');
  assert.deepEqual(r.oldest, { shard: 1, idx: 0 });
  const next = r.take([[2 * P, 4 * P]]).keys;
  r.settled(next);
  r.settled(next); // twice is once
  assert.deepEqual(r.oldest, { shard: 1, idx: 2 }, 'the first batch has nothing left');
  assert.equal(r.size, 2);
  r.settled(r.take([[0, KEY_SPACE]]).keys);
  assert.equal(r.size, 0);
  assert.equal(r.oldest, undefined);
  assert.deepEqual(r.findSearch(at(13 * P, 16)), []);
  r.settled([]);
});
