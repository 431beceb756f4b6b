import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SigilError } from '@sigil/core';
import { Updater } from 'tuf-js';
import { fetchSigstoreTrust, openTrustCache, type FetchSigstoreTrustOptions } from './sigstore-trust.js';
import { readTarget } from './target.js';
import { PUBLIC_GOOD_MIRROR, PUBLIC_GOOD_ROOT_JSON } from './public-good-root.js';
import { TestTufRepository, type TestTufServer } from './test-repo.js';

const TRUSTED_ROOT_V1 = JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', v: 1 });
const TRUSTED_ROOT_V2 = JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', v: 2 });
const SIGNING_CONFIG = JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json' });

interface World {
  repo: TestTufRepository;
  server: TestTufServer;
  sandbox: string;
  cacheDir: string;
  fetch(extra?: FetchSigstoreTrustOptions): ReturnType<typeof fetchSigstoreTrust>;
}

/** A published repository served over loopback and an empty cache inside a fresh sandbox. */
async function world(t: TestContext, setup?: (repo: TestTufRepository) => void): Promise<World> {
  const repo = new TestTufRepository();
  repo.setTarget('trusted_root.json', TRUSTED_ROOT_V1);
  repo.setTarget('signing_config.v0.2.json', SIGNING_CONFIG);
  if (setup) setup(repo);
  else repo.publish();
  const server = await repo.serve();
  const sandbox = mkdtempSync(join(tmpdir(), 'sigil-tuf-test-'));
  const cacheDir = join(sandbox, 'cache');
  t.after(async () => {
    await server.close();
    rmSync(sandbox, { recursive: true, force: true });
  });
  const fetch = (extra: FetchSigstoreTrustOptions = {}): ReturnType<typeof fetchSigstoreTrust> =>
    fetchSigstoreTrust({ mirror: server.url, initialRoot: repo.initialRoot, cacheDir, fetchTimeoutMs: 2000, ...extra });
  return { repo, server, sandbox, cacheDir, fetch };
}

async function refused(promise: Promise<unknown>, message: RegExp): Promise<SigilError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof SigilError, `expected a SigilError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_TUF');
  assert.match(caught.message, message);
  return caught;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

const mirrorDir = (w: World): string => join(w.cacheDir, `127.0.0.1%3A${new URL(w.server.url).port}`);

test('a fresh cache is seeded from the initial root and gets both targets', async (t) => {
  const w = await world(t);
  const got = await w.fetch();
  assert.equal(got.trustedRoot, TRUSTED_ROOT_V1);
  assert.equal(got.signingConfig, SIGNING_CONFIG);
  assert.equal(got.fromCache, false);
  // Consistent snapshots: versioned metadata, hash-prefixed targets.
  assert.ok(w.server.requests.includes('1.snapshot.json') && w.server.requests.includes('1.targets.json'));
  assert.ok(w.server.requests.includes(w.repo.targetPath('trusted_root.json')));
  const cached = filesUnder(w.cacheDir).map((f) => relative(mirrorDir(w), f)).sort();
  assert.deepEqual(cached, ['root.json', 'snapshot.json', 'targets.json', 'targets/signing_config.v0.2.json', 'targets/trusted_root.json', 'timestamp.json'].map((p) => join(p)));
});

test('a later fetch follows new versions and a root rotation, and reuses unchanged targets', async (t) => {
  const w = await world(t);
  await w.fetch();
  w.repo.setTarget('trusted_root.json', TRUSTED_ROOT_V2);
  w.repo.rotateKey('timestamp');
  w.repo.rotateKey('root');
  w.repo.publish();
  w.server.requests.length = 0;
  const got = await w.fetch();
  assert.equal(got.trustedRoot, TRUSTED_ROOT_V2);
  assert.equal(got.signingConfig, SIGNING_CONFIG);
  assert.ok(w.server.requests.includes('2.root.json') && w.server.requests.includes('3.root.json'));
  assert.ok(w.server.requests.includes('2.snapshot.json') && w.server.requests.includes('2.targets.json'));
  assert.ok(!w.server.requests.includes(w.repo.targetPath('signing_config.v0.2.json')), 'unchanged target fetched again');
  assert.equal(JSON.parse(readFileSync(join(mirrorDir(w), 'root.json'), 'utf8')).signed.version, 3);
});

test('forceCache answers from an unexpired cache with the server down; without it the update fails', async (t) => {
  const w = await world(t);
  await w.fetch();
  await w.server.close();
  const got = await w.fetch({ forceCache: true });
  assert.deepEqual(got, { trustedRoot: TRUSTED_ROOT_V1, signingConfig: SIGNING_CONFIG, fromCache: true });
  await refused(w.fetch(), /root\.json: connect ECONNREFUSED/);
});

test('forceCache goes to the network when the cached timestamp has expired', async (t) => {
  const w = await world(t);
  await w.fetch();
  // The cache as a later run finds it: its timestamp is validly signed but past its expiry.
  w.repo.publish({ expires: { timestamp: new Date(Date.now() - 60_000) } });
  writeFileSync(join(mirrorDir(w), 'timestamp.json'), w.repo.files.get('timestamp.json')!);
  w.repo.setTarget('trusted_root.json', TRUSTED_ROOT_V2);
  w.repo.publish();
  const got = await w.fetch({ forceCache: true });
  assert.equal(got.trustedRoot, TRUSTED_ROOT_V2);
  assert.equal(got.fromCache, false);
});

test('forceCache on an empty cache goes to the network', async (t) => {
  const w = await world(t);
  const got = await w.fetch({ forceCache: true });
  assert.equal(got.trustedRoot, TRUSTED_ROOT_V1);
  assert.equal(got.fromCache, false);
});

test('a repository without a signing config gives trustedRoot alone', async (t) => {
  const w = await world(t, (repo) => {
    repo.targets.delete('signing_config.v0.2.json');
    repo.publish();
  });
  const got = await w.fetch();
  assert.equal(got.trustedRoot, TRUSTED_ROOT_V1);
  assert.equal(got.signingConfig, undefined);
  assert.ok(!('signingConfig' in got));
});

test('a target whose bytes do not match the signed hash is refused and not cached', async (t) => {
  const w = await world(t);
  const path = w.repo.targetPath('trusted_root.json');
  w.repo.files.set(path, Buffer.from(TRUSTED_ROOT_V1.replace('"v":1', '"v":9')));
  await refused(w.fetch(), /downloading TUF target trusted_root\.json failed/);
  assert.ok(!existsSync(join(mirrorDir(w), 'targets', 'trusted_root.json')));
});

test('expired timestamp, snapshot or targets metadata is refused', async (t) => {
  const past = new Date(Date.now() - 60_000);
  for (const role of ['timestamp', 'snapshot', 'targets'] as const) {
    const w = await world(t, (repo) => repo.publish({ expires: { [role]: past } }));
    await refused(w.fetch(), new RegExp(`${role}\\.json is expired`));
  }
});

test('metadata with a bad signature or signed by an unknown key is refused', async (t) => {
  const w = await world(t);
  w.repo.tamperTimestamp();
  await refused(w.fetch(), /timestamp was signed by 0\/1 keys/);

  // A new key the client's root does not list: the repository rotated without publishing a root.
  const w2 = await world(t);
  w2.repo.rotateKey('snapshot');
  w2.repo.files.delete('2.root.json');
  w2.repo.publish();
  await refused(w2.fetch(), /snapshot was signed by 0\/1 keys/);
});

test('malicious target names never write outside the cache (RS-63)', async (t) => {
  const evil = ['../../.bashrc', '../../../../../../tmp/sigil-evil', '/tmp/sigil-evil-abs', '..', 'a/../../x'];
  const w = await world(t, (repo) => {
    for (const name of evil) repo.setTarget(name, '{"evil":true}');
    repo.publish();
  });
  const got = await w.fetch();
  assert.equal(got.trustedRoot, TRUSTED_ROOT_V1);
  // Asking for one of them by name is refused before any request is made.
  const cache = await openTrustCache({ mirror: w.server.url, cacheDir: w.cacheDir });
  for (const name of evil) {
    const before = w.server.requests.length;
    await refused(readTarget(cache.updater, cache.targetsDir, name), /refusing TUF target name/);
    assert.equal(w.server.requests.length, before);
  }
  assert.deepEqual(readdirSync(w.sandbox), ['cache']);
  for (const f of filesUnder(w.sandbox)) assert.ok(f.startsWith(mirrorDir(w)), f);
  assert.ok(!existsSync('/tmp/sigil-evil') && !existsSync('/tmp/sigil-evil-abs'));
});

test('oversized or endless metadata is refused at the length limit', async (t) => {
  const w = await world(t);
  const big = Buffer.alloc(64 * 1024, 0x20);
  w.server.override('timestamp.json', (_req, res) => res.writeHead(200, { 'content-length': big.length }).end(big));
  await refused(w.fetch(), /timestamp\.json: 65536 bytes is over the 16384-byte limit/);

  // No Content-Length and a body that never ends: the download stops at the limit.
  let written = 0;
  w.server.override('timestamp.json', (_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(4096, 0x20);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  const started = Date.now();
  await refused(w.fetch(), /timestamp\.json: response is over the 16384-byte limit/);
  assert.ok(Date.now() - started < 1500, 'the endless body was not cut off');
  assert.ok(written < 16 * 1024 * 1024, `server wrote ${written} bytes`);
});

test('malformed metadata is refused with a readable reason', async (t) => {
  const w = await world(t);
  w.repo.files.set('timestamp.json', Buffer.from('<html>not json</html>'));
  await refused(w.fetch(), /updating TUF metadata from http:\/\/127\.0\.0\.1:\d+ failed: malformed JSON/);
  w.repo.files.set('timestamp.json', Buffer.from(JSON.stringify({ signed: { _type: 'timestamp', version: 'x' }, signatures: [] })));
  await refused(w.fetch(), /malformed metadata|version/);
});

test('a mirror that does not answer times out', async (t) => {
  const w = await world(t);
  w.server.override('timestamp.json', () => undefined);
  const started = Date.now();
  await refused(w.fetch({ fetchTimeoutMs: 300 }), /timestamp\.json: timed out after 300 ms/);
  assert.ok(Date.now() - started < 1500);
  // The limit covers the body too: headers and a first byte, then nothing.
  w.server.override('timestamp.json', (_req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write('{');
  });
  await refused(w.fetch({ fetchTimeoutMs: 300 }), /timestamp\.json: timed out after 300 ms/);
});

test('an unreachable mirror and no cache gives a readable ERR_TUF', async (t) => {
  const w = await world(t);
  await w.server.close();
  const err = await refused(w.fetch(), /^updating TUF metadata from http:\/\/127\.0\.0\.1:\d+ failed: GET .*2\.root\.json: connect ECONNREFUSED/);
  assert.match(err.hint ?? '', /local TUF cache is .*cache/);
});

test('a custom mirror needs an initial root; a bad one is refused and not kept', async (t) => {
  const w = await world(t);
  await refused(fetchSigstoreTrust({ mirror: w.server.url, cacheDir: w.cacheDir }), /no trusted TUF root for mirror/);
  await refused(w.fetch({ initialRoot: '{"signed":' }), /loading the trusted TUF root .* failed: malformed JSON/);
  const forged = JSON.parse(w.repo.initialRoot);
  forged.signed.version = 7;
  await refused(w.fetch({ initialRoot: JSON.stringify(forged) }), /loading the trusted TUF root/);
  assert.ok(!existsSync(join(mirrorDir(w), 'root.json')));
  assert.equal((await w.fetch()).trustedRoot, TRUSTED_ROOT_V1);
});

test('a damaged cached root is reported with the way out', async (t) => {
  const w = await world(t);
  await w.fetch();
  writeFileSync(join(mirrorDir(w), 'root.json'), '{"signed":');
  const err = await refused(w.fetch(), /loading the trusted TUF root .* failed: malformed JSON/);
  assert.match(err.hint ?? '', /cached root\.json is damaged: delete .*127\.0\.0\.1/);
});

test('mirror URLs with credentials, queries or other schemes are refused', async () => {
  for (const mirror of ['ftp://example.com', 'http://u:p@example.com', 'http://example.com/?x=1', 'not a url']) {
    await refused(fetchSigstoreTrust({ mirror, initialRoot: '{}', cacheDir: '/nonexistent' }), /TUF mirror/);
  }
});

test('a mirror path with .. keeps the cache inside cacheDir', async (t) => {
  const w = await world(t);
  const got = await w.fetch({ mirror: `${w.server.url}/a/../..` });
  assert.equal(got.trustedRoot, TRUSTED_ROOT_V1);
  assert.deepEqual(readdirSync(w.sandbox), ['cache']);
});

test('the embedded public-good root is a valid self-signed TUF root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-tuf-pg-'));
  try {
    // Written the way a fresh cache is seeded; Updater verifies the root's own signatures on load.
    const path = join(dir, 'root.json');
    writeFileSync(path, PUBLIC_GOOD_ROOT_JSON);
    assert.doesNotThrow(() => new Updater({ metadataDir: dir, metadataBaseUrl: PUBLIC_GOOD_MIRROR }));
    const root = JSON.parse(PUBLIC_GOOD_ROOT_JSON);
    assert.equal(root.signed._type, 'root');
    assert.equal(root.signed.consistent_snapshot, true);
    // …and that load really checks them.
    root.signed.version += 1;
    writeFileSync(path, JSON.stringify(root));
    assert.throws(() => new Updater({ metadataDir: dir, metadataBaseUrl: PUBLIC_GOOD_MIRROR }), /root was signed by 0\/\d+ keys/);
    assert.equal(PUBLIC_GOOD_MIRROR, 'https://tuf-repo-cdn.sigstore.dev');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
