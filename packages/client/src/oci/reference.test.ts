import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigilError } from '@sigil/core';
import { referrersTag } from './digest.js';
import {
  formatReference,
  isLoopbackHost,
  parseReference,
  parseRegistry,
  parseRepository,
  registryEndpoint,
  withDigest,
} from './reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

test('Docker Hub defaults: docker.io, library/ for one component, latest', () => {
  assert.deepEqual(parseReference('alpine'), { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' });
  assert.deepEqual(parseReference('docker.io/alpine:3.20'), { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' });
  assert.deepEqual(parseReference('index.docker.io/foo/bar'), { registry: 'docker.io', repository: 'foo/bar', tag: 'latest' });
  assert.deepEqual(parseReference('sigstore/cosign'), { registry: 'docker.io', repository: 'sigstore/cosign', tag: 'latest' });
  assert.equal(registryEndpoint('docker.io'), 'registry-1.docker.io');
  assert.equal(registryEndpoint('ghcr.io'), 'ghcr.io');
});

test('hosts: dotted, with port, localhost, IPv4 and IPv6, upper case', () => {
  assert.deepEqual(parseReference('ghcr.io/org/team/app:v1'), { registry: 'ghcr.io', repository: 'org/team/app', tag: 'v1' });
  assert.deepEqual(parseReference('localhost/app'), { registry: 'localhost', repository: 'app', tag: 'latest' });
  assert.deepEqual(parseReference('localhost:5000/app:1'), { registry: 'localhost:5000', repository: 'app', tag: '1' });
  assert.deepEqual(parseReference('127.0.0.1:5000/a/b'), { registry: '127.0.0.1:5000', repository: 'a/b', tag: 'latest' });
  assert.deepEqual(parseReference('[::1]:5000/app:x'), { registry: '[::1]:5000', repository: 'app', tag: 'x' });
  assert.deepEqual(parseReference('Registry.Example.COM/app'), { registry: 'registry.example.com', repository: 'app', tag: 'latest' });
  // A first component without . or : is a path component, not a host (docker's rule).
  assert.deepEqual(parseReference('myorg/app'), { registry: 'docker.io', repository: 'myorg/app', tag: 'latest' });
});

test('digests: pinned, with or without a tag; the digest is what is fetched', () => {
  assert.deepEqual(parseReference(`ghcr.io/a/b@${D}`), { registry: 'ghcr.io', repository: 'a/b', digest: D });
  assert.deepEqual(parseReference(`ghcr.io/a/b:v1@${D}`), { registry: 'ghcr.io', repository: 'a/b', tag: 'v1', digest: D });
  assert.equal(formatReference(parseReference(`localhost:5000/a:v1@${D}`)), `localhost:5000/a:v1@${D}`);
  assert.equal(formatReference(withDigest(parseReference('a'), D)), `docker.io/library/a:latest@${D}`);
  assert.equal(referrersTag(D), `sha256-${'ab'.repeat(32)}`);
  assert.equal(referrersTag(`sha512:${'cd'.repeat(64)}`), `sha512-${'cd'.repeat(32)}`);
});

test('invalid references are ERR_BAD_REQUEST', () => {
  const bad = [
    '',
    'UPPER',
    'Upper/Case/repo:UPPER', // host "upper" ok, but repo "Case" is not
    'a//b',
    'a/b/',
    '-a',
    'a--/b',
    'ghcr.io/a:',
    'ghcr.io/a:-tag',
    `ghcr.io/a:${'t'.repeat(129)}`,
    'ghcr.io/a@sha256:abc',
    `ghcr.io/a@sha256:${'AB'.repeat(32)}`,
    `ghcr.io/a@md5:${'ab'.repeat(16)}`,
    'ghcr.io:99999/a',
    'ghcr.io:/a',
    '[::1/a',
    '[zz::1]:5000/a',
    'bad_host.io/a',
    'host.io/a b',
    `host.io/${'a'.repeat(250)}`,
  ];
  for (const input of bad) {
    assert.throws(() => parseReference(input), (err: unknown) => err instanceof SigilError && err.code === 'ERR_BAD_REQUEST', input);
  }
  assert.throws(() => parseRepository('ghcr.io/a:tag'), { code: 'ERR_BAD_REQUEST' });
  assert.throws(() => parseRepository(`ghcr.io/a@${D}`), { code: 'ERR_BAD_REQUEST' });
  assert.throws(() => parseRegistry('a b'), { code: 'ERR_BAD_REQUEST' });
  assert.equal(parseRegistry('Index.Docker.io'), 'docker.io');
});

test('loopback hosts are localhost, 127.0.0.0/8 and ::1 only', () => {
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]', '[::1]:5000', '[0:0:0:0:0:0:0:1]:1']) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ['example.com', '10.0.0.1', '128.0.0.1', '[::2]', '127.example.com', 'localhost.example.com', '[::ffff:7f00:1]']) {
    assert.ok(!isLoopbackHost(h), h);
  }
});
