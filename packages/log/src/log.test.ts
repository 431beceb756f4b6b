import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeHex, verifyConsistency, parseSignedNote, parseCheckpoint, rootFromLeafHashes, hashLeaf } from '@sigil/core';
import { serveLog, type RunningLog } from './serve.js';
import { checkLogEntry, hashedRekord } from './test-support.js';
import type { LogEntryJson } from './shard.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-log-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function post(base: string, path: string, body: unknown): Promise<{ status: number; json: any; location: string | null }> {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined, location: r.headers.get('location') };
}
async function get(base: string, path: string): Promise<{ status: number; json: any; text: string }> {
  const r = await fetch(base + path);
  const text = await r.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}
const only = (m: Record<string, LogEntryJson>): [string, LogEntryJson] => { const e = Object.entries(m); assert.equal(e.length, 1); return e[0]!; };

const started: RunningLog[] = [];
// A failed assertion must not leave a server holding the event loop open.
after(async () => { for (const s of started) await s.close().catch(() => undefined); });

async function start(dir: string, extra: Partial<Parameters<typeof serveLog>[0]> = {}): Promise<RunningLog> {
  return track(serveLog({ dataDir: dir, port: 0, publicUrl: 'http://sigil.test:3000', verifyWorkers: 1, ...extra }));
}
async function track(p: Promise<RunningLog>): Promise<RunningLog> { const s = await p; started.push(s); return s; }

void test('entries are created, proven, signed, found and deduplicated over the Rekor v1 API', async () => {
  const dir = join(tmp, 'api');
  let s = await start(dir);
  const pem = (await get(s.url, '/api/v1/log/publicKey')).text;
  const made = await Promise.all(Array.from({ length: 60 }, async () => { const p = hashedRekord(); return { p, r: await post(s.url, '/api/v1/log/entries', p.body) }; }));
  const seen = new Set<number>();
  for (const { r } of made) {
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const [id, e] = only(r.json);
    assert.equal(id.length, 80);
    assert.equal(r.location?.endsWith(`/api/v1/log/entries/${id}`), true);
    checkLogEntry(id, e, pem, 'sigil.test:3000');
    seen.add(e.logIndex);
  }
  assert.equal(seen.size, 60, 'log indexes are distinct');

  // 50 identical submissions at once: exactly one is created, the rest point at it.
  const same = hashedRekord();
  const dup = await Promise.all(Array.from({ length: 50 }, () => post(s.url, '/api/v1/log/entries', same.body)));
  assert.equal(dup.filter((d) => d.status === 201).length, 1);
  assert.equal(dup.filter((d) => d.status === 409).length, 49);
  const created = only(dup.find((d) => d.status === 201)!.json)[0];
  for (const d of dup.filter((x) => x.status === 409)) {
    assert.equal(d.location?.split('/').pop(), created);
    assert.match(d.json.message, new RegExp(created));
  }
  assert.equal((await get(s.url, '/api/v1/log')).json.treeSize, 61);

  // Reads: by index, UUID (64 and 80 hex), batch, search.
  const [id0, e0] = only(made[0]!.r.json);
  const byIndex = await get(s.url, `/api/v1/log/entries?logIndex=${e0.logIndex}`);
  assert.equal(only(byIndex.json)[1].body, e0.body);
  for (const u of [id0, id0.slice(16)]) {
    const r = await get(s.url, `/api/v1/log/entries/${u}`);
    assert.equal(r.status, 200);
    const [idr, er] = only(r.json);
    checkLogEntry(idr, er, pem, 'sigil.test:3000');
  }
  const batch = await post(s.url, '/api/v1/log/entries/retrieve', { entryUUIDs: [id0], logIndexes: [0, 1, 999999] });
  assert.equal(batch.status, 200);
  assert.equal(batch.json.length, 3);
  const tooMany = await post(s.url, '/api/v1/log/entries/retrieve', { logIndexes: Array.from({ length: 11 }, (_, i) => i) });
  assert.equal(tooMany.status, 400);
  const p1 = made[1]!.p;
  const found = await post(s.url, '/api/v1/index/retrieve', { hash: `sha256:${(p1.body.spec.data as any).hash.value}` });
  assert.ok(found.json.some((u: string) => u.endsWith(only(made[1]!.r.json)[0].slice(16))));
  const byKey = await post(s.url, '/api/v1/index/retrieve', { publicKey: { format: 'x509', content: (p1.body.spec.signature as any).publicKey.content } });
  assert.ok(byKey.json.includes(only(made[1]!.r.json)[0]), 'search by public key finds the entry');
  assert.equal((await post(s.url, '/api/v1/index/retrieve', { publicKey: { format: 'x509', url: 'http://169.254.169.254/' } })).status, 400, 'never fetches a key URL');
  assert.equal((await get(s.url, '/api/v1/log/entries?logIndex=100000')).status, 404);
  assert.equal((await get(s.url, '/api/v1/log/entries/zz')).status, 400);

  // Consistency between two tree heads, and errors for impossible ranges.
  const before = (await get(s.url, '/api/v1/log')).json;
  await Promise.all(Array.from({ length: 9 }, () => post(s.url, '/api/v1/log/entries', hashedRekord().body)));
  const now = (await get(s.url, '/api/v1/log')).json;
  const proof = await get(s.url, `/api/v1/log/proof?firstSize=${before.treeSize}&lastSize=${now.treeSize}`);
  verifyConsistency(before.treeSize, now.treeSize, proof.json.hashes.map((h: string) => decodeHex(h)), decodeHex(before.rootHash), decodeHex(now.rootHash));
  assert.equal((await get(s.url, `/api/v1/log/proof?firstSize=5&lastSize=3`)).status, 400);
  assert.equal((await get(s.url, `/api/v1/log/proof?firstSize=1&lastSize=${now.treeSize + 1}`)).status, 400);
  assert.equal((await get(s.url, `/api/v1/log/proof?firstSize=1&lastSize=2&treeID=42`)).status, 400);

  // Tiles: the level-0 tile and entry bundle rebuild the checkpoint's root.
  const cp = parseCheckpoint(parseSignedNote((await get(s.url, `/tiles/${now.treeID}/checkpoint`)).text).text);
  assert.equal(cp.size, now.treeSize);
  const tile = Buffer.from(await (await fetch(`${s.url}/tiles/${now.treeID}/tile/0/000.p/${cp.size}`)).arrayBuffer());
  const leaves = Array.from({ length: cp.size }, (_, i) => tile.subarray(i * 32, i * 32 + 32));
  assert.ok(rootFromLeafHashes(leaves).equals(cp.rootHash), 'tile hashes rebuild the root');
  const bundle = Buffer.from(await (await fetch(`${s.url}/tiles/${now.treeID}/tile/entries/000.p/${cp.size}`)).arrayBuffer());
  let at = 0;
  for (let i = 0; i < cp.size; i++) { const n = bundle.readUInt16BE(at); assert.ok(hashLeaf(bundle.subarray(at + 2, at + 2 + n)).equals(leaves[i]!)); at += 2 + n; }
  assert.equal((await fetch(`${s.url}/tiles/${now.treeID}/tile/0/001`)).status, 404);

  // A restart keeps identity, entries and proofs.
  await s.close();
  s = await start(dir);
  const again = (await get(s.url, '/api/v1/log')).json;
  assert.deepEqual([again.treeID, again.treeSize, again.rootHash], [now.treeID, now.treeSize, now.rootHash]);
  assert.equal((await get(s.url, '/api/v1/log/publicKey')).text, pem);
  const r = await get(s.url, `/api/v1/log/entries/${id0}`);
  checkLogEntry(...only(r.json), pem, 'sigil.test:3000');
  await s.close();
});

void test('three live rotations under concurrent writes lose and fail nothing', async () => {
  const s = await start(join(tmp, 'rotate'));
  const pems = new Map<string, string>();
  const keyOf = async (treeId: string) => pems.get(treeId) ?? (pems.set(treeId, (await get(s.url, `/api/v1/log/publicKey?treeID=${treeId}`)).text), pems.get(treeId)!);
  const results: Array<{ status: number; json: any }> = [];
  let writing = true;
  const writer = async () => { while (writing) results.push(await post(s.url, '/api/v1/log/entries', hashedRekord().body)); };
  const writers = Array.from({ length: 8 }, writer);
  const { generateLogKeyPem } = await import('./signer.js');
  const until = async (n: number) => { while (results.length < n) await new Promise((r) => setTimeout(r, 5)); };
  try {
    for (let i = 0; i < 3; i++) {
      await until(25 * (i + 1));
      await s.log.rotate(i === 1 ? { keyPem: generateLogKeyPem('ed25519') } : {});
    }
    await until(100);
  } finally {
    writing = false;
    await Promise.all(writers);
  }
  assert.deepEqual(results.filter((r) => r.status !== 201).map((r) => r.status), [], 'every write succeeded');
  const info = (await get(s.url, '/api/v1/log')).json;
  assert.equal(info.inactiveShards.length, 3);
  const trees = [...info.inactiveShards, info];
  const offsets = new Map<string, number>();
  let sum = 0;
  for (const t of trees) { offsets.set(t.treeID, sum); sum += t.treeSize; }
  assert.equal(sum, results.length, 'every acknowledged write is in exactly one shard');
  const globals = new Set<number>();
  for (const r of results) {
    const [id, e] = only(r.json);
    const treeId = BigInt(`0x${id.slice(0, 16)}`).toString();
    assert.equal(e.logIndex, offsets.get(treeId)! + e.verification.inclusionProof.logIndex, 'global index = earlier shards + local index');
    globals.add(e.logIndex);
    const pem = await keyOf(treeId);
    checkLogEntry(id, e, pem, 'sigil.test:3000');
    const back = await get(s.url, `/api/v1/log/entries?logIndex=${e.logIndex}`);
    const [id2, e2] = only(back.json);
    assert.equal(id2, id);
    checkLogEntry(id2, e2, pem, 'sigil.test:3000');
  }
  assert.equal(globals.size, results.length);
  for (const t of info.inactiveShards.filter((x: { treeSize: number }) => x.treeSize > 0)) {
    const p = await get(s.url, `/api/v1/log/proof?firstSize=1&lastSize=${t.treeSize}&treeID=${t.treeID}`);
    assert.equal(p.status, 200, `${p.text} (tree ${t.treeID}, size ${t.treeSize})`);
    assert.equal(p.json.rootHash, t.rootHash);
  }
  await s.close();
});

void test('malformed and mutated bodies are all refused with a 4xx and the log stays intact', async () => {
  const s = await start(join(tmp, 'fuzz'), { bodyLimit: 64 * 1024 });
  const good = hashedRekord().body;
  assert.equal((await post(s.url, '/api/v1/log/entries', good)).status, 201);
  const before = (await get(s.url, '/api/v1/log')).json;
  const text = JSON.stringify(good);
  const bodies: string[] = ['', '{', '[]', 'null', '1', '"x"', '{"kind":"hashedrekord"}', text + 'garbage', 'x'.repeat(70 * 1024), '['.repeat(100000) + ']'.repeat(100000)];
  let seed = 12345;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  while (bodies.length < 1000) {
    const chars = [...text];
    const kind = rand(4);
    for (let k = 0; k < 1 + rand(3); k++) {
      const at = rand(chars.length);
      if (kind === 0) chars[at] = String.fromCharCode(32 + rand(95));
      else if (kind === 1) chars.splice(at, 1);
      else if (kind === 2) chars.splice(at, 0, String.fromCharCode(32 + rand(95)));
      else chars[at] = chars[at] === '"' ? "'" : '"';
    }
    const m = chars.join('');
    if (m !== text) bodies.push(m);
  }
  let status4xx = 0;
  const odd: string[] = [];
  for (let i = 0; i < bodies.length; i += 25) {
    const rs = await Promise.all(bodies.slice(i, i + 25).map((b) => post(s.url, '/api/v1/log/entries', b).then((r) => r, () => ({ status: 0, json: undefined, location: null }))));
    rs.forEach((r, j) => {
      if (r.status >= 400 && r.status < 500) { status4xx++; if (typeof r.json?.message !== 'string') odd.push(`no message: ${bodies[i + j]!.slice(0, 60)}`); }
      else if (r.status !== 409) odd.push(`${r.status}: ${bodies[i + j]!.slice(0, 80)}`);
    });
  }
  assert.deepEqual(odd, []);
  assert.ok(status4xx > 900);
  const wrongType = await fetch(s.url + '/api/v1/log/entries', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: text });
  assert.equal(wrongType.status, 415);
  const afterInfo = (await get(s.url, '/api/v1/log')).json;
  assert.equal(afterInfo.treeSize, before.treeSize, 'no bad body was appended');
  assert.equal((await post(s.url, '/api/v1/log/entries', hashedRekord().body)).status, 201, 'the log still takes good entries');
  await s.close();
});
