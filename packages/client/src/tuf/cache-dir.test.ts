import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, sep } from 'node:path';
import { SigilError } from '@sigil/core';
import { defaultCacheRoot, flatFileName, joinInside, mirrorDirName } from './cache-dir.js';

test('the default cache root follows XDG_CACHE_HOME, else ~/.cache', () => {
  assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: '/x/cache' }, '/home/u'), join('/x/cache', 'sigil', 'tuf'));
  assert.equal(defaultCacheRoot({}, '/home/u'), join('/home/u', '.cache', 'sigil', 'tuf'));
  // A relative XDG_CACHE_HOME is invalid per the spec and ignored.
  assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: '../../etc' }, '/home/u'), join('/home/u', '.cache', 'sigil', 'tuf'));
});

test('mirror directory names keep real hosts readable', () => {
  assert.equal(mirrorDirName(new URL('https://tuf-repo-cdn.sigstore.dev')), 'tuf-repo-cdn.sigstore.dev');
  assert.equal(mirrorDirName(new URL('https://tuf-repo-cdn.sigstore.dev/')), 'tuf-repo-cdn.sigstore.dev');
  assert.equal(mirrorDirName(new URL('http://127.0.0.1:8080/repo/')), '127.0.0.1%3A8080%2Frepo');
  assert.equal(mirrorDirName(new URL('http://[::1]:99/')), '%5B%3A%3A1%5D%3A99');
});

test('no mirror URL or name flattens to a path outside its parent (RS-63)', () => {
  const root = '/cache/root';
  for (const mirror of ['http://../', 'http://..:8080/', 'http://a/../../..', 'http://a/..%2f..%2fx', 'http://a\\..\\..\\b', 'http://./']) {
    const name = mirrorDirName(new URL(mirror));
    assert.ok(!name.includes('/') && !name.includes('\\') && !name.startsWith('.'), `${mirror} → ${name}`);
    assert.ok(joinInside(root, name).startsWith(root + sep), `${mirror} → ${name}`);
  }
  for (const name of ['..', '.', '', '../../.bashrc', '/etc/passwd', 'C:\\x', 'a/../../b', '\0', '.bashrc']) {
    const flat = flatFileName(name);
    assert.match(flat, /^[A-Za-z0-9%~_-][A-Za-z0-9.%~_-]*$/, `${JSON.stringify(name)} → ${flat}`);
    assert.ok(joinInside(root, flat).startsWith(root + sep));
  }
  assert.equal(flatFileName('trusted_root.json'), 'trusted_root.json');
  assert.equal(flatFileName('registry.npmjs.org/keys.json'), 'registry.npmjs.org%2Fkeys.json');
  const long = flatFileName('a'.repeat(1000));
  assert.ok(long.length <= 120 && long !== flatFileName(`${'a'.repeat(999)}b`));
});

test('joinInside refuses anything that is not strictly below the parent', () => {
  for (const child of ['..', '../x', '/etc/passwd', '', '.', 'a/../..', 'x\0y']) {
    assert.throws(() => joinInside('/cache/root', child), (err: unknown) => err instanceof SigilError && err.code === 'ERR_TUF', child);
  }
  assert.equal(joinInside('/cache/root', 'a'), join('/cache/root', 'a'));
});
