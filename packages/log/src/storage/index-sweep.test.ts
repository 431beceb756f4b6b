import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_SPACE, type KeyRange, sweepAfter } from './index-sweep.js';

const at = (b: Buffer | undefined): bigint => (b ? b.readBigUInt64BE() : KEY_SPACE);
const span = (ranges: readonly KeyRange[]): bigint => ranges.reduce((sum, r) => sum + at(r.to) - at(r.from), 0n);

void test('index sweep: consecutive slices tile the key space, one lap per 1/32 of the log', () => {
  // 1,000,000 entries indexed: a lap takes 1/32 of them, 31,250.
  let cursor = 0n;
  let covered = 0n;
  let appended = 0;
  while (covered < KEY_SPACE) {
    const s = sweepAfter(cursor, 25, 1_000_000);
    for (const r of s.ranges) {
      assert.equal(r.from.readBigUInt64BE(), cursor % KEY_SPACE, 'each slice starts where the last one ended');
      cursor = at(r.to);
    }
    assert.equal(s.cursor, cursor % KEY_SPACE);
    cursor = s.cursor;
    covered += span(s.ranges);
    appended += 25;
  }
  assert.ok(appended >= 31_250 && appended <= 31_275, `one lap took ${appended} appended entries`);
});

void test('index sweep: a wrap splits into the tail and the head; a huge batch settles everything', () => {
  const near = KEY_SPACE - 10n;
  const s = sweepAfter(near, 1, 4096);
  assert.equal(s.ranges.length, 2);
  assert.equal(s.ranges[0]!.to, undefined, 'the first slice runs to the end of the key space');
  assert.equal(s.ranges[1]!.from.readBigUInt64BE(), 0n);
  assert.equal(s.cursor, s.ranges[1]!.to!.readBigUInt64BE());
  assert.equal(span(s.ranges), KEY_SPACE / 4096n);
  // A lap takes at least MIN_LAP (4,096) entries however small the log.
  assert.equal(span(sweepAfter(0n, 1, 10).ranges), KEY_SPACE / 4096n);
  const all = sweepAfter(123n, 65_536, 65_536);
  assert.deepEqual(all.ranges.map((r) => [r.from.readBigUInt64BE(), r.to]), [[0n, undefined]]);
  assert.equal(all.cursor, 123n);
  assert.equal(span(sweepAfter(5n, 0, 100).ranges), 0n, 'an empty batch moves nothing');
});
