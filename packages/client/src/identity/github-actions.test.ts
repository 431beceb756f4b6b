import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { githubActionsToken, tokenRequestUrl } from './github-actions.js';
import { fakeJwt, inAnHour, json, serve, type TestServer } from './test-support.js';

describe('GitHub Actions token request URL', () => {
  it('appends the audience to an existing query, or starts one', () => {
    assert.equal(tokenRequestUrl('https://t.actions.example/idtoken?api-version=2.0', 'sigstore').href,
      'https://t.actions.example/idtoken?api-version=2.0&audience=sigstore');
    assert.equal(tokenRequestUrl('https://t.actions.example/idtoken', 'sigstore').href, 'https://t.actions.example/idtoken?audience=sigstore');
    assert.equal(tokenRequestUrl('https://t.actions.example/idtoken?', 'a b&c').href, 'https://t.actions.example/idtoken?audience=a%20b%26c');
    assert.equal(tokenRequestUrl('https://t.example/x?q=a%2Fb', 'sigstore').search, '?q=a%2Fb&audience=sigstore');
    assert.throws(() => tokenRequestUrl('file:///etc/passwd', 'sigstore'), /not an http\(s\) URL/);
  });
});

describe('GitHub Actions provider', () => {
  let server: TestServer;
  let status = 200;
  let body: unknown;
  let hits = 0;
  const secret = 'runner-secret';
  const jwt = fakeJwt({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:acme/app:ref:refs/heads/main', aud: 'sigstore', exp: inAnHour() });

  before(async () => {
    server = await serve((req, res, _body, url) => {
      hits++;
      if (url.pathname === '/huge') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ value: 'x'.repeat(100_000) }));
        return;
      }
      if (req.headers.authorization !== `bearer ${secret}`) return json(res, 401, { message: 'bad credentials' });
      return json(res, status, body ?? { value: jwt, echo: url.search });
    });
  });
  after(() => server.close());

  const env = (path = '/token?api-version=2.0') => ({ ACTIONS_ID_TOKEN_REQUEST_URL: `${server.url}${path}`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: secret });

  it('does not apply outside Actions', async () => {
    assert.equal(await githubActionsToken({ env: {} }), undefined);
    assert.equal(await githubActionsToken({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x' } }), undefined);
  });

  it('sends the bearer secret and the audience and reads {value}', async () => {
    status = 200;
    body = undefined;
    const token = await githubActionsToken({ env: env() });
    assert.equal(token?.token, jwt);
    assert.equal(token?.source, 'github-actions');
    const last = server.requests.at(-1)!;
    assert.equal(last.url, '/token?api-version=2.0&audience=sigstore');
    assert.equal(last.headers.authorization, `bearer ${secret}`);
  });

  it('retries a failing token service, then reports the status', async () => {
    status = 503;
    body = { message: 'unavailable' };
    hits = 0;
    await assert.rejects(githubActionsToken({ env: env() }), (err: any) => {
      assert.equal(err.code, 'ERR_IDENTITY');
      assert.match(err.message, /^GitHub Actions: the ID token request failed: HTTP 503/);
      return true;
    });
    assert.equal(hits, 3);
  });

  it('explains a 401 with the permission the job needs, without retrying', async () => {
    hits = 0;
    await assert.rejects(githubActionsToken({ env: { ...env(), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' } }), (err: any) => {
      assert.match(err.message, /HTTP 401/);
      assert.match(err.hint, /id-token: write/);
      assert.ok(!err.message.includes('wrong'));
      return true;
    });
    assert.equal(hits, 1);
  });

  it('refuses an oversized answer, one without a value, and a malformed token', async () => {
    await assert.rejects(githubActionsToken({ env: env('/huge') }), /larger than 65536 bytes/);
    status = 200;
    body = { token: jwt };
    await assert.rejects(githubActionsToken({ env: env() }), /no "value" string/);
    body = { value: 'abc' };
    await assert.rejects(githubActionsToken({ env: env() }), /^SigilError: GitHub Actions: the identity token is not a well-formed JWT/);
  });

  it('times out a silent server', async () => {
    const silent = await serve(() => undefined);
    try {
      const started = Date.now();
      await assert.rejects(
        githubActionsToken({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${silent.url}/t`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 's' }, fetchTimeoutMs: 100 }),
        /no answer within 100 ms/,
      );
      assert.ok(Date.now() - started < 3000);
    } finally {
      await silent.close();
    }
  });
});
