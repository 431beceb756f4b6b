import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getIdentityToken } from './index.js';
import { fakeJwt, inAnHour, serve, startFakeIssuer, type FakeIssuer, type TestServer } from './test-support.js';

describe('getIdentityToken: the order of sources', () => {
  const tokenFor = (iss: string) => fakeJwt({ iss, exp: inAnHour() });
  let github: TestServer;
  let gcp: TestServer;
  let issuer: FakeIssuer;
  const explicit = tokenFor('https://explicit.example');
  const fromEnv = tokenFor('https://env.example');
  let env: Record<string, string>;

  before(async () => {
    github = await serve((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: tokenFor('https://github.example') })));
    gcp = await serve((_req, res) => void res.writeHead(200, { 'metadata-flavor': 'Google' }).end(tokenFor('https://google.example')));
    issuer = await startFakeIssuer();
    // The RFC's default 5 s between polls is tested in device.test.ts.
    issuer.device = { interval: 0.01 };
    env = {
      SIGSTORE_ID_TOKEN: fromEnv,
      ACTIONS_ID_TOKEN_REQUEST_URL: `${github.url}/token?job=1`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'secret',
      GCE_METADATA_HOST: new URL(gcp.url).host,
    };
  });
  after(async () => {
    await github.close();
    await gcp.close();
    await issuer.close();
  });

  const without = (...names: string[]) => Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));

  it('takes the first that applies', async () => {
    assert.equal((await getIdentityToken({ env, identityToken: explicit })).source, 'explicit');
    assert.equal((await getIdentityToken({ env })).source, 'env');
    const fromGithub = await getIdentityToken({ env: without('SIGSTORE_ID_TOKEN') });
    assert.deepEqual([fromGithub.source, fromGithub.claims.iss], ['github-actions', 'https://github.example']);
    const fromGcp = await getIdentityToken({ env: without('SIGSTORE_ID_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL') });
    assert.deepEqual([fromGcp.source, fromGcp.claims.iss], ['gcp', 'https://google.example']);
    const interactive = await getIdentityToken({
      env: without('SIGSTORE_ID_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL'), gcp: false, issuer: issuer.issuer, isTTY: false, onDeviceCode: () => undefined,
    });
    assert.equal(interactive.source, 'device');
  });

  it('does not fall back from a source that applies but fails', async () => {
    await assert.rejects(getIdentityToken({ env, identityToken: 'x.y' }), /the identityToken option/);
    await assert.rejects(getIdentityToken({ env: { ...env, SIGSTORE_ID_TOKEN: 'garbage' } }), /^SigilError: SIGSTORE_ID_TOKEN: /);
  });

  it('without interactive sign-in, says how to provide a token', async () => {
    await assert.rejects(getIdentityToken({ env: {}, gcp: false, interactive: false }), (err: any) => {
      assert.equal(err.code, 'ERR_IDENTITY');
      assert.match(err.message, /no identity token was found and interactive sign-in is off/);
      assert.match(err.hint, /SIGSTORE_ID_TOKEN/);
      return true;
    });
    await assert.rejects(getIdentityToken({ env: { GITHUB_ACTIONS: 'true' }, gcp: false, interactive: false }), (err: any) => {
      assert.match(err.hint, /permissions: id-token: write/);
      return true;
    });
    await assert.rejects(getIdentityToken({ env: {}, gcp: false }), /no issuer is configured/);
    await assert.rejects(getIdentityToken({ env: {}, gcp: false, issuer: issuer.issuer, device: true }), /onDeviceCode is missing/);
  });

  it('chooses the browser with a TTY, the device flow when asked', async () => {
    const base = { env: {}, gcp: false, issuer: issuer.issuer, onDeviceCode: () => undefined };
    const browser = await getIdentityToken({ ...base, isTTY: true, openBrowser: (url) => void fetch(url).then((r) => r.text()) });
    assert.equal(browser.source, 'browser');
    assert.equal((await getIdentityToken({ ...base, isTTY: true, device: true })).source, 'device');
  });
});
