import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenges } from './auth.js';
import { dockerConfigCredentials, type RegistryCredentials } from './docker-config.js';
import { RegistryClient } from './registry.js';
import { makeTestImage, pushTestImage, startProxy, startRegistry, type ProxyAnswer, type ProxyRequest, type TestServer } from './test-registry.js';

const USER = 'sigil';
const PASSWORD = 'hunter2: with spaces';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const none = (): Promise<undefined> => Promise.resolve(undefined);
const fixed = (c: RegistryCredentials) => (): Promise<RegistryCredentials> => Promise.resolve(c);

let basicReg: TestServer;
let openReg: TestServer;
let dir: string;

before(async () => {
  [basicReg, openReg] = await Promise.all([startRegistry({ auth: { user: USER, password: PASSWORD } }), startRegistry()]);
  dir = await mkdtemp(join(tmpdir(), 'sigil-oci-auth-'));
});
after(async () => {
  await Promise.all([basicReg.stop(), openReg.stop()]);
  await rm(dir, { recursive: true, force: true });
});

test('WWW-Authenticate: several challenges, quoted values with commas and escapes', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="a, b", Bearer realm="https://x/t", scope="repository:a:pull,push"'), [
    { scheme: 'basic', params: { realm: 'a, b' } },
    { scheme: 'bearer', params: { realm: 'https://x/t', scope: 'repository:a:pull,push' } },
  ]);
  assert.deepEqual(parseChallenges('BASIC Realm=plain, realm="second"'), [{ scheme: 'basic', params: { realm: 'plain' } }]);
  assert.deepEqual(parseChallenges('Bearer realm="q\\"uote"'), [{ scheme: 'bearer', params: { realm: 'q"uote' } }]);
  assert.deepEqual(parseChallenges(''), []);
});

test('Basic registry: no credentials or wrong ones are ERR_OCI_AUTH', async () => {
  const anon = new RegistryClient({ credentials: none });
  await assert.rejects(anon.ping(basicReg.host), { code: 'ERR_OCI_AUTH', message: /no credentials/ });
  await assert.rejects(anon.getManifest(`${basicReg.host}/a/b:v1`), { code: 'ERR_OCI_AUTH' });
  await assert.rejects(anon.pushBlob(`${basicReg.host}/a/b`, Buffer.from('x')), { code: 'ERR_OCI_AUTH' });
  const wrong = new RegistryClient({ credentials: fixed({ username: USER, password: 'wrong' }) });
  await assert.rejects(wrong.ping(basicReg.host), (err: Error) => {
    assert.match(err.message, /not accepted/);
    assert.doesNotMatch(err.message, /wrong/);
    return true;
  });
  // A bearer token cannot answer a Basic challenge.
  await assert.rejects(new RegistryClient({ credentials: fixed({ registryToken: 't' }) }).ping(basicReg.host), { code: 'ERR_OCI_AUTH' });
});

test('Basic registry: credentials from $DOCKER_CONFIG/config.json auths', async () => {
  const configDir = join(dir, 'auths');
  await mkdir(configDir);
  await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [`http://${basicReg.host}`]: { auth: b64(`${USER}:${PASSWORD}`) } } }));
  const client = new RegistryClient({ credentials: dockerConfigCredentials({ env: { DOCKER_CONFIG: configDir } }) });
  assert.deepEqual(await client.ping(basicReg.host), { apiVersion: 'registry/2.0' });
  const img = makeTestImage();
  const digest = await pushTestImage(client, `${basicReg.host}/auth/app`, img, 'v1');
  assert.equal((await client.getManifest(`${basicReg.host}/auth/app:v1`)).digest, digest);
  assert.deepEqual(await client.listTags(`${basicReg.host}/auth/app`), ['v1']);
});

test('Basic registry: credentials from a docker-credential helper on PATH, asked once per client', async () => {
  const configDir = join(dir, 'helper');
  await mkdir(configDir);
  const calls = join(configDir, 'calls');
  const script = join(configDir, 'docker-credential-sigiltest');
  await writeFile(
    script,
    `#!/bin/sh
read -r url
echo "$1 $url" >> "${calls}"
[ "$url" = "${basicReg.host}" ] || { echo "credentials not found in native keychain"; exit 1; }
printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$url"
`,
  );
  await chmod(script, 0o755);
  await writeFile(join(configDir, 'config.json'), JSON.stringify({ credHelpers: { [basicReg.host]: 'sigiltest' } }));
  const env = { DOCKER_CONFIG: configDir, PATH: `${configDir}:${process.env.PATH ?? ''}` };
  const client = new RegistryClient({ credentials: dockerConfigCredentials({ env }) });
  const img = makeTestImage();
  await pushTestImage(client, `${basicReg.host}/helper/app`, img, 'v1');
  assert.deepEqual((await client.getManifest(`${basicReg.host}/helper/app:v1`)).bytes, img.manifest.bytes);
  assert.equal(await readFile(calls, 'utf8'), `get ${basicReg.host}\n`);
});

/** A token server and a registry front that demands its Bearer tokens, like Docker Hub or GHCR. */
async function bearerFront(upstream: string) {
  const tokens = new Map<string, Set<string>>();
  const tokenRequests: { user: string; scopes: string[] }[] = [];
  let basicSeenByRegistry = 0;
  let issued = 0;
  let blobRedirect: string | undefined;
  const cdnAuth: (string | undefined)[] = [];
  const json = (status: number, v: unknown, headers: Record<string, string> = {}): ProxyAnswer => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(v)),
  });
  const issue = (user: string, scopes: string[]): ProxyAnswer => {
    tokenRequests.push({ user, scopes });
    const granted = new Set<string>();
    for (const s of scopes) {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      for (const a of actions.split(',')) if (a === 'pull' || user !== 'anonymous') granted.add(`${type}:${name}:${a}`);
    }
    const token = `tok-${++issued}`;
    tokens.set(token, granted);
    return json(200, { token, expires_in: 300 });
  };
  const front = await startProxy(upstream, {
    intercept: (req: ProxyRequest, self) => {
      const url = new URL(req.url, self.url);
      const auth = req.headers.authorization ?? '';
      if (url.pathname === '/token') {
        if (req.method === 'POST') {
          const form = new URLSearchParams(req.body.toString());
          if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-me') return json(401, {});
          return issue('refresh', (form.get('scope') ?? '').split(' ').filter(Boolean));
        }
        let user = 'anonymous';
        if (auth.startsWith('Basic ')) {
          if (auth !== `Basic ${b64(`${USER}:${PASSWORD}`)}`) return json(401, { details: 'bad credentials' });
          user = USER;
        }
        return issue(user, url.searchParams.getAll('scope'));
      }
      if (auth.startsWith('Basic')) basicSeenByRegistry++;
      const m = /^\/v2\/(.+?)\/(?:manifests|blobs|tags|referrers)\//.exec(url.pathname);
      const needed = m ? `repository:${m[1]}:${req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push'}` : undefined;
      const granted = tokens.get(auth.replace(/^Bearer /, ''));
      if (!granted || (needed && !granted.has(needed))) {
        const scope = needed ? `,scope="${needed.replace(/:push$/, ':pull,push')}"` : '';
        return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, {
          'www-authenticate': `Bearer realm="${self.url}/token",service="sigil-test"${scope}${granted ? ',error="insufficient_scope"' : ''}`,
        });
      }
      if (blobRedirect && req.method === 'GET' && /\/blobs\/sha256:/.test(url.pathname)) {
        return { status: 307, headers: { location: `${blobRedirect}${url.pathname}` }, body: Buffer.alloc(0) };
      }
      return undefined;
    },
  });
  return {
    front,
    tokens,
    tokenRequests,
    cdnAuth,
    get basicSeenByRegistry() {
      return basicSeenByRegistry;
    },
    redirectBlobsTo(url: string | undefined) {
      blobRedirect = url;
    },
    stop: () => front.stop(),
  };
}

test('Bearer: anonymous pull, push with basic credentials, tokens cached per scope and refreshed when revoked', async () => {
  const b = await bearerFront(openReg.url);
  try {
    const host = b.front.host;
    const anon = new RegistryClient({ credentials: none });
    await assert.rejects(pushTestImage(anon, `${host}/bearer/app`, makeTestImage()), { code: 'ERR_OCI_AUTH', message: /no credentials/ });

    const client = new RegistryClient({ credentials: fixed({ username: USER, password: PASSWORD }) });
    const img = makeTestImage({ layers: 3 });
    b.tokenRequests.length = 0;
    await pushTestImage(client, `${host}/bearer/app`, img, 'v1');
    // One token to look (HEAD blob: pull), one to write (upload: pull,push); then the cache serves.
    assert.deepEqual(b.tokenRequests, [
      { user: USER, scopes: ['repository:bearer/app:pull'] },
      { user: USER, scopes: ['repository:bearer/app:pull,push'] },
    ]);
    await client.getManifest(`${host}/bearer/app:v1`);
    await client.getBlob(`${host}/bearer/app`, img.layers[0]!.digest);
    assert.equal(b.tokenRequests.length, 2);
    await client.getManifest(`${host}/bearer/app@${img.manifest.digest}`);
    assert.deepEqual(await client.listTags(`${host}/bearer/app`), ['v1']);
    assert.equal(b.tokenRequests.length, 2);
    assert.equal(b.basicSeenByRegistry, 0, 'the password goes to the token service only');

    // A server-side revocation: one 401, a fresh token, and the request goes through.
    b.tokens.clear();
    assert.equal((await client.getManifest(`${host}/bearer/app:v1`)).digest, img.manifest.digest);
    assert.equal(b.tokenRequests.length, 3);

    // Anonymous pulls get pull-only tokens, which is all they need.
    b.tokenRequests.length = 0;
    assert.deepEqual((await anon.getManifest(`${host}/bearer/app:v1`)).bytes, img.manifest.bytes);
    assert.deepEqual(b.tokenRequests, [{ user: 'anonymous', scopes: ['repository:bearer/app:pull'] }]);

    // Wrong password at the token service.
    const wrong = new RegistryClient({ credentials: fixed({ username: USER, password: 'nope' }) });
    await assert.rejects(wrong.getManifest(`${host}/bearer/app:v1`), { code: 'ERR_OCI_AUTH', message: /not accepted/ });

    // docker's identity token (OAuth2 refresh token), and a registry token used as is.
    const refresh = new RegistryClient({ credentials: fixed({ identityToken: 'refresh-me' }) });
    await pushTestImage(refresh, `${host}/bearer/other`, makeTestImage(), 'v2');
    const [issued] = [...b.tokens.keys()].slice(-1);
    const given = new RegistryClient({ credentials: fixed({ registryToken: issued! }) });
    b.tokenRequests.length = 0;
    assert.deepEqual(await given.listTags(`${host}/bearer/other`), ['v2']);
    assert.equal(b.tokenRequests.length, 0);
  } finally {
    await b.stop();
  }
});

test('Bearer: a blob redirected to another origin is fetched without the Authorization header', async () => {
  const b = await bearerFront(openReg.url);
  try {
    const client = new RegistryClient({ credentials: fixed({ username: USER, password: PASSWORD }) });
    const img = makeTestImage({ layers: 1 });
    await pushTestImage(client, `${b.front.host}/bearer/cdn`, img);
    // The "CDN" is a second loopback origin serving the same registry.
    const cdn = await startProxy(openReg.url, {
      intercept: (req) => {
        b.cdnAuth.push(req.headers.authorization);
        return undefined;
      },
    });
    try {
      b.redirectBlobsTo(cdn.url);
      const layer = img.layers[0]!;
      assert.deepEqual(await client.getBlob(`${b.front.host}/bearer/cdn`, layer.digest), layer.bytes);
      assert.deepEqual(b.cdnAuth, [undefined]);
    } finally {
      await cdn.stop();
    }
  } finally {
    await b.stop();
  }
});

test('a token realm over plain HTTP on a remote host is refused before anything is sent there', async () => {
  const front = await startProxy(undefined, {
    intercept: () => ({ status: 401, headers: { 'www-authenticate': 'Bearer realm="http://192.0.2.1/token",service="x"' }, body: Buffer.alloc(0) }),
  });
  try {
    const client = new RegistryClient({ credentials: fixed({ username: USER, password: PASSWORD }), timeoutMs: 2000 });
    await assert.rejects(client.getManifest(`${front.host}/a:b`), { code: 'ERR_OCI', message: /refusing http to 192\.0\.2\.1/ });
  } finally {
    await front.stop();
  }
});
