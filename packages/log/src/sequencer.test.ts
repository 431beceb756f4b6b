import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSigilError, rootFromLeafHashes } from '@sigil/core';
import { TransparencyLog } from './log.js';
import { SqliteStorage } from './storage/sqlite.js';
import type { LogStorage, SequencedBatch } from './storage/storage.js';
import { hashedRekord } from './test-support.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-seq-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** SQLite that fails chosen appendBatch calls: before writing, or after writing (persist-then-throw). */
class FaultyStorage extends SqliteStorage {
  failNext: 'none' | 'before' | 'after' = 'none';
  failLookup = false;
  override findLeaves(leafHashes: readonly Buffer[], seq: number): Promise<Array<number | undefined>> {
    if (this.failLookup) return Promise.reject(new Error('EIO on read'));
    return super.findLeaves(leafHashes, seq);
  }
  override async appendBatch(seq: number, batch: SequencedBatch): Promise<void> {
    const mode = this.failNext;
    this.failNext = 'none';
    if (mode === 'before') throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    await super.appendBatch(seq, batch);
    if (mode === 'after') throw new Error('EIO after commit');
  }
}

async function leafHashes(storage: LogStorage, size: number) {
  return (await storage.getEntries(0, 0, size)).map((e) => e.leafHash);
}

void test('a failed commit answers 503, acknowledges nothing, and the log resumes without repair', async () => {
  const dir = join(tmp, 'enospc');
  const storage = new FaultyStorage(join(tmp, 'enospc.db'));
  const log = await TransparencyLog.open({ dataDir: dir, storage, publicUrl: 'http://sigil.test' });
  await log.addEntry(JSON.stringify(hashedRekord().body));
  storage.failNext = 'before';
  const failed = hashedRekord();
  await assert.rejects(log.addEntry(JSON.stringify(failed.body)), (e) => isSigilError(e) && e.code === 'ERR_LOG_UNAVAILABLE' && e.httpStatus === 503);
  assert.equal(log.active.record.size, 1, 'nothing of the failed batch is visible');
  // The client retries the same entry: it is accepted now, at the next index.
  const retried = await log.addEntry(JSON.stringify(failed.body));
  assert.equal(retried.entry.logIndex, 1);
  const more = await log.addEntry(JSON.stringify(hashedRekord().body));
  assert.equal(more.entry.logIndex, 2);
  assert.ok(rootFromLeafHashes(await leafHashes(storage, 3)).equals(log.active.record.root));
  await log.close();
});

void test('a commit that persisted but reported failure is not acknowledged, and a retry finds the entry', async () => {
  const dir = join(tmp, 'eio');
  const storage = new FaultyStorage(join(tmp, 'eio.db'));
  const log = await TransparencyLog.open({ dataDir: dir, storage, publicUrl: 'http://sigil.test' });
  storage.failNext = 'after';
  const p = hashedRekord();
  await assert.rejects(log.addEntry(JSON.stringify(p.body)), (e) => isSigilError(e) && e.code === 'ERR_LOG_UNAVAILABLE');
  // The batch did reach disk: recovery reloads it, so the retry is a duplicate, not a fork.
  assert.equal(log.active.record.size, 1);
  await assert.rejects(log.addEntry(JSON.stringify(p.body)), (e) => isSigilError(e) && e.code === 'ERR_DUPLICATE_ENTRY');
  const next = await log.addEntry(JSON.stringify(hashedRekord().body));
  assert.equal(next.entry.logIndex, 1);
  assert.ok(rootFromLeafHashes(await leafHashes(storage, 2)).equals(log.active.record.root));
  await log.close();
});

void test('a failed duplicate check answers 503 and writes nothing; the log goes on', async () => {
  const storage = new FaultyStorage(join(tmp, 'lookup.db'));
  const log = await TransparencyLog.open({ dataDir: join(tmp, 'lookup'), storage, publicUrl: 'http://sigil.test' });
  const stored = hashedRekord();
  await log.addEntry(JSON.stringify(stored.body));
  storage.failLookup = true;
  const p = hashedRekord();
  await assert.rejects(log.addEntry(JSON.stringify(p.body)), (e) => isSigilError(e) && e.code === 'ERR_LOG_UNAVAILABLE' && e.httpStatus === 503);
  assert.equal(log.active.record.size, 1);
  storage.failLookup = false;
  assert.equal((await log.addEntry(JSON.stringify(p.body))).entry.logIndex, 1);
  // The batch check still finds what is stored.
  await assert.rejects(log.addEntry(JSON.stringify(stored.body)), (e) => isSigilError(e) && e.code === 'ERR_DUPLICATE_ENTRY');
  await log.close();
});

void test('integrated time never goes backwards when the clock steps back', async () => {
  let now = 2_000_000_000;
  const log = await TransparencyLog.open({ dataDir: join(tmp, 'clock'), publicUrl: 'http://sigil.test', clock: { now: () => now } });
  const a = await log.addEntry(JSON.stringify(hashedRekord().body));
  now -= 3600;
  const b = await log.addEntry(JSON.stringify(hashedRekord().body));
  assert.ok(b.entry.integratedTime >= a.entry.integratedTime);
  now += 86400;
  const c = await log.addEntry(JSON.stringify(hashedRekord().body));
  assert.equal(c.entry.integratedTime, now);
  await log.close();
});

void test('a second server on the same data directory is refused', async () => {
  const { serveLog } = await import('./serve.js');
  const { DataDir } = await import('./data-dir.js');
  const dir = join(tmp, 'two');
  const first = await serveLog({ dataDir: dir, port: 0 });
  // Pretend the record belongs to another live process (ours is exempt): pid 1 always runs.
  new DataDir(dir).writeServer({ url: first.url, pid: 1, startedAt: new Date().toISOString() });
  await assert.rejects(serveLog({ dataDir: dir, port: 0 }), (e) => isSigilError(e) && e.code === 'ERR_CONFIG');
  await first.close();
});
