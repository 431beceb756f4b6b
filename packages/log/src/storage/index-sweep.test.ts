import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_SPACE, keyPosition, type KeyRange, sweepAfter } from './index-sweep.js';

const span = (ranges: readonly KeyRange[]): number => ranges.reduce((sum, [from, to]) => sum + to - from, 0);

void test('index sweep: consecutive slices tile the key space, one lap per 1/8 of the log', () => {
  // 400,000 entries indexed: a lap takes 1/8 of them, 50,000.
  let cursor = 0;
  let covered = 0;
  let appended = 0;
  while (covered < KEY_SPACE) {
    const s = sweepAfter(cursor, 25, 400_000);
    for (const [from, to] of s.ranges) {
      assert.equal(from, cursor % KEY_SPACE, 'each slice starts where the last one ended');
      cursor = to;
    }
    assert.equal(s.cursor, cursor % KEY_SPACE);
    cursor = s.cursor;
    covered += span(s.ranges);
    appended += 25;
  }
  assert.ok(appended >= 50_000 && appended <= 50_025, `one lap took ${appended} appended entries`);
  // Laps stop growing at MAX_LAP (65,536) entries: memory and read-back stay bounded.
  assert.equal(span(sweepAfter(0, 1, 1_000_000).ranges), KEY_SPACE / 65_536);
});

void test('index sweep: a wrap splits into the tail and the head; a huge batch settles everything', () => {
  const s = sweepAfter(KEY_SPACE - 10, 1, 4096);
  assert.deepEqual(s.ranges.map(([, to]) => to === KEY_SPACE), [true, false], 'the first slice runs to the end of the key space');
  assert.equal(s.ranges[1]![0], 0);
  assert.equal(s.cursor, s.ranges[1]![1]);
  assert.equal(s.whole, false);
  assert.equal(span(s.ranges), KEY_SPACE / 4096);
  // A lap takes at least MIN_LAP (4,096) entries however small the log.
  assert.equal(span(sweepAfter(0, 1, 10).ranges), KEY_SPACE / 4096);
  const all = sweepAfter(123, 65_536, 65_536);
  assert.deepEqual(all.ranges, [[0, KEY_SPACE]]);
  assert.equal(all.whole, true);
  assert.equal(all.cursor, 123);
  assert.equal(span(sweepAfter(5, 0, 100).ranges), 0, 'an empty batch moves nothing');
  assert.equal(keyPosition(Buffer.from('ffffffffffff00', 'hex')), KEY_SPACE - 1);
  assert.equal(keyPosition(Buffer.from([0, 0, 0, 0, 1, 2, 9, 9])), 258);
});
