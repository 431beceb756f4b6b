import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerConfigCredentials, dockerConfigPath } from './docker-config.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function withConfig(config: unknown, fn: (env: NodeJS.ProcessEnv, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sigil-docker-config-'));
  try {
    await writeFile(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    await fn({ DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH ?? ''}` }, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A docker-credential-<name> that knows one server. */
async function helper(dir: string, name: string, server: string, user: string, secret: string): Promise<void> {
  const path = join(dir, `docker-credential-${name}`);
  await writeFile(
    path,
    `#!/bin/sh
[ "$1" = get ] || exit 2
read -r url
if [ "$url" = "${server}" ]; then printf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}' "$url"; exit 0; fi
echo "credentials not found in native keychain"; exit 1
`,
  );
  await chmod(path, 0o755);
}

test('config path: $DOCKER_CONFIG/config.json, else ~/.docker/config.json', () => {
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/x' }), '/x/config.json');
  assert.equal(dockerConfigPath({ HOME: '/home/u' }), '/home/u/.docker/config.json');
});

test('auths: base64 auth (password may hold colons), username/password, tokens, URL-shaped keys', async () => {
  const config = {
    auths: {
      'reg.example': { auth: b64('alice:pa:ss') },
      'https://other.example/v2/': { username: 'bob', password: 'pw' },
      'tok.example': { identitytoken: 'refresh-me' },
      'bearer.example': { registrytoken: 'reg-tok' },
      'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
    },
  };
  await withConfig(config, async (env) => {
    const creds = dockerConfigCredentials({ env });
    assert.deepEqual(await creds('reg.example'), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await creds('other.example'), { username: 'bob', password: 'pw' });
    assert.deepEqual(await creds('tok.example'), { identityToken: 'refresh-me' });
    assert.deepEqual(await creds('bearer.example'), { registryToken: 'reg-tok' });
    assert.deepEqual(await creds('docker.io'), { username: 'hub', password: 'hubpw' });
    assert.equal(await creds('unknown.example'), undefined);
  });
  // No config at all is not an error: anonymous access.
  assert.equal(await dockerConfigCredentials({ env: { DOCKER_CONFIG: '/nonexistent-sigil' } })('x.example'), undefined);
});

test('credHelpers per registry, then credsStore, then auths; "<token>" user is an identity token', async () => {
  await withConfig({}, async (env, dir) => {
    await helper(dir, 'one', 'a.example', 'helper-user', 'helper-secret');
    await helper(dir, 'store', 'https://index.docker.io/v1/', '<token>', 'hub-refresh');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ credHelpers: { 'a.example': 'one' }, credsStore: 'store', auths: { 'b.example': { auth: b64('file:pw') } } }),
    );
    const creds = dockerConfigCredentials({ env });
    assert.deepEqual(await creds('a.example'), { username: 'helper-user', password: 'helper-secret' });
    assert.deepEqual(await creds('docker.io'), { identityToken: 'hub-refresh' });
    // The store does not know b.example: fall back to the file.
    assert.deepEqual(await creds('b.example'), { username: 'file', password: 'pw' });
  });
});

test('broken helpers and files are ERR_OCI_AUTH and quote no secrets', async () => {
  await withConfig({ credHelpers: { 'a.example': 'missing' } }, async (env) => {
    await assert.rejects(dockerConfigCredentials({ env })('a.example'), { code: 'ERR_OCI_AUTH', message: /not on PATH/ });
  });
  await withConfig({ credsStore: '../../bin/sh' }, async (env) => {
    await assert.rejects(dockerConfigCredentials({ env })('a.example'), { code: 'ERR_OCI_AUTH', message: /bad credential helper name/ });
  });
  await withConfig('{"auths": {"x": {"auth": "c2VjcmV0"}}, oops', async (env) => {
    await assert.rejects(dockerConfigCredentials({ env })('x'), (err: Error) => {
      assert.match(err.message, /not valid JSON/);
      assert.doesNotMatch(err.message, /c2VjcmV0/);
      return true;
    });
  });
});
