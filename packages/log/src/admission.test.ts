import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { workerAdmission } from './admission.js';
import { hashedRekordProposal, makeKey } from './kinds/test-helpers.js';

/** A stand-in worker, as source: it refuses every proposal, and exits on the one saying "crash". */
const FLAKY = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ id, raw }) => {
  if (raw === 'crash') process.exit(3);
  parentPort.postMessage({ id, ok: false, code: 'ERR_ENTRY_INVALID', message: 'refused: ' + raw });
});`;
const dataUrl = (source: string): URL => new URL(`data:text/javascript,${encodeURIComponent(source)}`);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isSigilError(err) ? err.code : `not a SigilError: ${String(err)}`;
  }
}

void test('the admission worker admits a signed proposal and refuses a forged one', async () => {
  const admission = workerAdmission(1);
  try {
    const key = makeKey('p256');
    const good = hashedRekordProposal({ key, artifact: Buffer.from('artifact') }).proposal;
    const leaf = await admission.admit(JSON.stringify(good));
    assert.equal(leaf.leafHash.length, 32);
    assert.ok(leaf.canonical.length > 0 && leaf.canonical.buffer.byteLength === leaf.canonical.length, 'the body arrives in its own exact-size buffer');
    const forged = hashedRekordProposal({ key: makeKey('p256'), pem: key.pem, artifact: Buffer.from('artifact') }).proposal;
    assert.equal(await codeOf(admission.admit(JSON.stringify(forged))), 'ERR_ENTRY_SIGNATURE');
  } finally {
    await admission.close();
  }
});

void test('a worker that stops fails only what it held and is replaced', async () => {
  const admission = workerAdmission(1, dataUrl(FLAKY));
  try {
    assert.equal(await codeOf(admission.admit('a')), 'ERR_ENTRY_INVALID');
    assert.equal(await codeOf(admission.admit('crash')), 'ERR_LOG_UNAVAILABLE');
    // The replacement answers as the first one did.
    assert.equal(await codeOf(admission.admit('b')), 'ERR_ENTRY_INVALID');
  } finally {
    await admission.close();
  }
});

void test('a worker that cannot start refuses proposals at once instead of hanging', async () => {
  const admission = workerAdmission(1, dataUrl("throw new Error('cannot load');"));
  try {
    const started = Date.now();
    assert.equal(await codeOf(admission.admit('a')), 'ERR_LOG_UNAVAILABLE');
    assert.equal(await codeOf(admission.admit('b')), 'ERR_LOG_UNAVAILABLE');
    assert.ok(Date.now() - started < 5000);
  } finally {
    await admission.close();
  }
});
