import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { browserToken } from './browser.js';
import { startFakeIssuer, type FakeIssuer } from './test-support.js';

describe('browser flow', () => {
  let fake: FakeIssuer;
  /** What the "browser" of the current test saw at the end: the loopback page. */
  let landed: Promise<{ status: number; text: string }>;
  let authUrls: string[];

  /** A browser that follows the issuer's redirect to our loopback server. */
  const browser = (url: string): Promise<void> => {
    landed = fetch(url).then(async (res) => ({ status: res.status, text: await res.text() }));
    return landed.then(() => undefined);
  };
  const run = (extra: Partial<Parameters<typeof browserToken>[0]> = {}) =>
    browserToken({ issuer: fake.issuer, openBrowser: browser, onAuthUrl: (u) => authUrls.push(u), ...extra });

  before(async () => {
    fake = await startFakeIssuer();
  });
  after(() => fake.close());
  beforeEach(() => {
    authUrls = [];
    fake.claims = {};
    fake.redirect = () => undefined;
  });

  it('signs in with PKCE S256, state and nonce, and leaves a page saying the tab can be closed', async () => {
    const token = await run();
    assert.equal(token.source, 'browser');
    assert.equal(token.claims.email, 'dev@example.com');
    assert.equal(authUrls.length, 1);
    const params = fake.authorize!;
    assert.equal(authUrls[0], `${fake.issuer}/authorize?${params.toString()}`);
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), 'sigstore');
    assert.equal(params.get('scope'), 'openid email');
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.match(params.get('state') ?? '', /^[\w-]{43}$/);
    assert.match(params.get('nonce') ?? '', /^[\w-]{43}$/);
    assert.match(params.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/auth\/callback$/);
    // The loopback answer comes after the exchange, so it reports the real outcome.
    const page = await landed;
    assert.equal(page.status, 200);
    assert.match(page.text, /You can close this tab/);
  });

  it('passes a custom client id', async () => {
    fake.claims = { aud: 'my-client' };
    await run({ clientId: 'my-client' });
    assert.equal(fake.authorize?.get('client_id'), 'my-client');
  });

  it('refuses a redirect with another state, and says so in the tab', async () => {
    fake.redirect = (p) => p.set('state', 'forged');
    await assert.rejects(run(), (err: any) => {
      assert.equal(err.code, 'ERR_IDENTITY');
      assert.match(err.message, /^browser sign-in at http:\/\/127\.0\.0\.1:\d+: the redirect does not carry the state of this sign-in/);
      return true;
    });
    const page = await landed;
    assert.equal(page.status, 400);
    assert.match(page.text, /Sign-in failed/);
    assert.match(page.text, /does not carry the state of this sign-in/);
  });

  it('reports the issuer\'s refusal', async () => {
    fake.redirect = (p) => {
      p.delete('code');
      p.set('error', 'access_denied');
      p.set('error_description', 'End-User aborted the sign-in');
    };
    await assert.rejects(run(), /the issuer refused the sign-in: access_denied: End-User aborted the sign-in/);
  });

  it('refuses a redirect naming another issuer (RFC 9207)', async () => {
    fake.redirect = (p) => p.set('iss', 'https://evil.example');
    await assert.rejects(run(), /the redirect comes from another issuer/);
  });

  it('refuses an ID token with another nonce', async () => {
    fake.claims = { nonce: 'replayed' };
    await assert.rejects(run(), /does not carry the nonce of this sign-in/);
  });

  it('times out when nobody signs in, and can be cancelled', async () => {
    await assert.rejects(run({ openBrowser: () => undefined, timeoutMs: 100 }), /no sign-in completed within 100 ms/);
    const controller = new AbortController();
    await assert.rejects(run({ openBrowser: () => void setTimeout(() => controller.abort(), 20), signal: controller.signal }), /: cancelled$/);
  });

  it('ignores a browser opener that fails', async () => {
    let opened = false;
    const token = await run({
      openBrowser: (url) => {
        opened = true;
        void browser(url);
        throw new Error('no display');
      },
    });
    assert.ok(opened);
    assert.equal(token.source, 'browser');
  });
});
