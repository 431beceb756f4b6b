import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { admitBatch, admitRaw } from './admit.js';
import { dsseProposal, envelopeFor, hashedRekordProposal, makeKey, statement } from './kinds/test-helpers.js';

/** admitRaw's answer in admitBatch's shape: the leaf, or the error code and message. */
function one(raw: string): unknown {
  try {
    const leaf = admitRaw(raw);
    return { leaf: [leaf.canonical.toString('hex'), leaf.leafHash.toString('hex'), leaf.indexKeys] };
  } catch (err) {
    return { error: isSigilError(err) ? [err.code, err.message] : String(err) };
  }
}

void test('admitBatch answers each proposal exactly as admitRaw does, good and bad mixed', () => {
  const p256 = makeKey('p256');
  const other = makeKey('p256');
  const raws: string[] = [];
  for (let i = 0; i < 12; i++) {
    const { proposal } = hashedRekordProposal({ key: i % 4 === 3 ? makeKey('p384') : p256, artifact: randomBytes(40) });
    raws.push(JSON.stringify(proposal));
  }
  // A signature made by another key, the same proposal twice, a changed digest.
  const { proposal: forged } = hashedRekordProposal({ key: other, artifact: Buffer.from('x') });
  (forged.spec as { signature: { publicKey: { content: string } } }).signature.publicKey.content = Buffer.from(p256.pem).toString('base64');
  raws.push(JSON.stringify(forged), raws[0]!);
  const { proposal: changed } = hashedRekordProposal({ key: p256, artifact: Buffer.from('y') });
  (changed.spec as { data: { hash: { value: string } } }).data.hash.value = '0'.repeat(64);
  raws.push(JSON.stringify(changed));
  // Other kinds and junk.
  raws.push(JSON.stringify(dsseProposal(envelopeFor([p256], statement([{ name: 'a', digest: { sha256: '1'.repeat(64) } }])), [p256.pem])));
  raws.push('{not json', '[]', 'null', '"text"', '7', '{"kind":"hashedrekord","spec":null}', '{"kind":"hashedrekord","spec":{"signature":{"content":5}}}', JSON.stringify({ kind: 'hashedrekord', spec: { signature: { content: 'A'.repeat(9000) } } }));

  const want = raws.map(one);
  const got = admitBatch(raws).map((r) =>
    'leaf' in r
      ? { leaf: [r.leaf.canonical.toString('hex'), r.leaf.leafHash.toString('hex'), r.leaf.indexKeys] }
      : { error: isSigilError(r.error) ? [r.error.code, r.error.message] : String(r.error) },
  );
  assert.deepEqual(got, want);
  assert.equal(got.filter((g) => 'leaf' in (g as object)).length, 14, 'twelve hashedrekords, the duplicate and the dsse entry are admitted');
  assert.deepEqual(admitBatch([]), []);
});
