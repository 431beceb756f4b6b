// RS-15: kill -9 the log during 1,000 concurrent appends; after a restart every acknowledged
// entry is present at the same index with a valid proof, and the tree is consistent with
// every checkpoint handed out before the crash.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, after } from 'node:test';
import { decodeHex, parseCheckpoint, parseSignedNote, verifyConsistency } from '@sigil/core';
import { checkLogEntry, hashedRekord } from '../packages/log/dist/test-support.js';
import { freePort, startSigil, waitExit } from './helpers.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-crash-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ROUNDS = Number(process.env.SIGIL_CRASH_ROUNDS ?? 2);

for (let round = 0; round < ROUNDS; round++) {
  test(`kill -9 during 1000 concurrent appends loses no acknowledged entry (round ${round + 1})`, async () => {
    const dir = join(tmp, `r${round}`);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const args = ['log', 'serve', '--data', dir, '--port', String(port), '--url', 'http://sigil.test'];
    let server = await startSigil(args, `${base}/api/v1/log`);
    const pem = await (await fetch(`${base}/api/v1/log/publicKey`)).text();
    const proposals = Array.from({ length: 1000 }, () => hashedRekord());
    const acked = [];
    const checkpoints = [];
    let sent = 0;
    const killAt = 200 + Math.floor(Math.random() * 500);
    const send = async (p) => {
      try {
        const r = await fetch(`${base}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p.body) });
        if (r.status === 201) {
          const [[id, e]] = Object.entries(await r.json());
          acked.push({ id, e });
          checkpoints.push(e.verification.inclusionProof.checkpoint);
        }
      } catch { /* the server died under us: not acknowledged */ }
      if (++sent === killAt) server.child.kill('SIGKILL');
    };
    // 64 concurrent clients over the 1,000 proposals.
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => { while (next < proposals.length) await send(proposals[next++]); }));
    await waitExit(server.child);
    assert.ok(acked.length > 0, 'some writes were acknowledged before the kill');

    server = await startSigil(args, `${base}/api/v1/log`);
    try {
      const info = await (await fetch(`${base}/api/v1/log`)).json();
      assert.ok(info.treeSize >= acked.length, `tree has ${info.treeSize} entries, ${acked.length} were acknowledged`);
      for (const { id, e } of acked) {
        const r = await fetch(`${base}/api/v1/log/entries/${id}`);
        assert.equal(r.status, 200, `acknowledged entry ${id} is present`);
        const [[id2, e2]] = Object.entries(await r.json());
        assert.equal(e2.logIndex, e.logIndex, 'same index after restart');
        assert.equal(e2.body, e.body);
        checkLogEntry(id2, e2, pem, 'sigil.test');
      }
      for (const cpText of new Set(checkpoints)) {
        const cp = parseCheckpoint(parseSignedNote(cpText).text);
        const proof = await (await fetch(`${base}/api/v1/log/proof?firstSize=${cp.size}&lastSize=${info.treeSize}`)).json();
        verifyConsistency(cp.size, info.treeSize, proof.hashes.map((h) => decodeHex(h)), cp.rootHash, decodeHex(info.rootHash));
      }
      // The log keeps working after recovery.
      const r = await fetch(`${base}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashedRekord().body) });
      assert.equal(r.status, 201);
    } finally {
      server.child.kill('SIGTERM');
      await waitExit(server.child);
    }
  });
}
