import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng } from '@sigil/core/test-support';
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

void test('recent keys: agree with a plain model through thousands of random adds, sweeps, settles and lookups', () => {
  const rand = prng(20261130);
  // Few distinct positions, so that chains share a position and table probes collide; enough
  // keys that the columns grow, and settling everything shrinks them again.
  const positions = Array.from({ length: 300 }, () => rand(KEY_SPACE / 2 ** 16) * 2 ** 16 + rand(2 ** 16));
  const pick = (): number => positions[rand(positions.length)]!;
  type Live = { kind: 'leaf' | 'search'; pos: number; bytes: Buffer; shard: number; idx: number; order: number };
  let model: Live[] = [];
  let order = 0;
  let idx = 0;
  const r = new RecentKeys();
  const show = (k: { kind: string; pos: number; shard: number; idx: number }): string => `${k.kind}@${k.pos}:${k.shard}/${k.idx}`;
  for (let step = 0; step < 3000; step++) {
    const op = rand(10);
    if (op < 5) {
      const entries: RecentEntry[] = Array.from({ length: 1 + rand(5) }, () => {
        const leafHash = at(pick(), 32, rand(4));
        const searchKeys = Array.from({ length: rand(4) }, () => at(pick(), 16, rand(3)));
        return { shard: 0, idx: idx++, leafHash, searchKeys };
      });
      r.add(RecentKeys.keysOf(entries));
      for (const e of entries) {
        model.push({ kind: 'leaf', pos: e.leafHash.readUIntBE(0, 6), bytes: e.leafHash, shard: 0, idx: e.idx, order: order++ });
        for (const k of e.searchKeys) model.push({ kind: 'search', pos: k.readUIntBE(0, 6), bytes: k, shard: 0, idx: e.idx, order: order++ });
      }
    } else if (op < 8) {
      const from = rand(KEY_SPACE);
      const to = Math.min(KEY_SPACE, from + rand(KEY_SPACE / 4));
      const ranges: Array<[number, number]> = rand(3) === 0 ? [[from, KEY_SPACE], [0, rand(KEY_SPACE / 8)]] : [[from, to]];
      const max = rand(2) === 0 ? Infinity : rand(40);
      const want = ranges.flatMap(([f, t]) => model.filter((k) => k.pos >= f && k.pos < t).sort((a, b) => a.pos - b.pos || a.order - b.order));
      const got = r.take(ranges, max);
      const taken = want.slice(0, max);
      assert.deepEqual(got.keys.map(show), taken.map(show), `step ${step}: take`);
      assert.equal(got.leftAt, want.length > max ? want[max]!.pos : undefined, `step ${step}: leftAt`);
      // Settle some of what was taken (a commit may also fail and settle nothing).
      const settle = rand(3) === 0 ? [] : got.keys.slice(0, rand(got.keys.length + 1));
      r.settled(settle);
      r.settled(settle);
      const gone = new Set(taken.slice(0, settle.length));
      model = model.filter((k) => !gone.has(k));
    } else {
      const probe = model.length > 0 && rand(2) === 0 ? model[rand(model.length)]!.bytes : at(pick(), rand(2) === 0 ? 32 : 16, rand(4));
      const refs = (kind: 'leaf' | 'search'): string[] =>
        model.filter((k) => k.kind === kind && k.bytes.equals(probe)).map((k) => `${k.shard}/${k.idx}`);
      const fmt = (xs: Array<{ shard: number; idx: number }>): string[] => xs.map((x) => `${x.shard}/${x.idx}`);
      if (probe.length === 32) assert.deepEqual(fmt(r.findLeaf(probe)), refs('leaf'), `step ${step}: findLeaf`);
      else assert.deepEqual(fmt(r.findSearch(probe)), refs('search'), `step ${step}: findSearch`);
    }
    assert.equal(r.size, model.length, `step ${step}: size`);
    if (step % 500 === 499) {
      // Now and then the sweep catches up with everything.
      r.settled(r.take([[0, KEY_SPACE]]).keys);
      model = [];
      assert.equal(r.size, 0);
      assert.equal(r.oldest, undefined);
    }
  }
});
