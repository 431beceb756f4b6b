import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJsonBytes, encodeBase64 } from '@sigil/core';
import { entryTimestampPayload } from './shard.js';

void test('the entry timestamp payload is exactly the JCS of {body, integratedTime, logID, logIndex}', () => {
  const cases: Array<[Buffer, number, string, number]> = [
    [Buffer.alloc(0), 0, '', 0],
    [Buffer.from([0xfb, 0xff, 0xfe]), Number.MAX_SAFE_INTEGER, 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d', Number.MAX_SAFE_INTEGER],
  ];
  for (let i = 0; i < 300; i++) cases.push([randomBytes(randomInt(0, 3000)), randomInt(0, 2 ** 40), randomBytes(32).toString('hex'), randomInt(0, 2 ** 47)]);
  for (const [body, integratedTime, logID, logIndex] of cases) {
    const expected = canonicalJsonBytes({ body: encodeBase64(body), integratedTime, logID, logIndex });
    assert.deepEqual(entryTimestampPayload(body, integratedTime, logID, logIndex), expected);
  }
});

void test('the entry timestamp payload refuses what JCS would write differently', () => {
  assert.throws(() => entryTimestampPayload(Buffer.alloc(1), 1.5, 'ab', 0), RangeError);
  assert.throws(() => entryTimestampPayload(Buffer.alloc(1), 1, 'ab', 2 ** 53), RangeError);
  assert.throws(() => entryTimestampPayload(Buffer.alloc(1), 1, 'a"b', 0), RangeError);
});
