import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_ROOT, rootFromLeafHashes } from './index.js';

void test('the empty tree hashes to SHA-256 of nothing', () => {
  assert.equal(rootFromLeafHashes([]).toString('hex'), EMPTY_ROOT.toString('hex'));
});
