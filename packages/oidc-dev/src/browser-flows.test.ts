// The login issuer driven by a real Chromium (playwright-core, Debian's /usr/bin/chromium):
// authorization code + PKCE with a loopback redirect, the device authorization grant, and
// a CI token fetch, all with stdout/stderr/console captured to prove no token is logged.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { DEV_BANNER } from './login/pages.js';
import { captureOutput, createPkce, JWT_PATTERN, launchChromium, startHost, startRedirectListener, type Capture, type Host } from './test-support.js';

/** Answers read off the wire are typed at the assertion, not here. */
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

describe('login issuer in a browser', () => {
  let host: Host;
  let doc: any;
  let browser: Browser | undefined;
  let sharedPage: Page | undefined;
  let skip: string | undefined;
  let capture: Capture;
  /** Every token, code and secret the flows handled: none may show up in the output. */
  const secrets: string[] = [];

  before(async () => {
    capture = captureOutput();
    host = await startHost();
    doc = await json(fetch(`${host.dev.loginIssuer}/.well-known/openid-configuration`));
    const launched = await launchChromium();
    if ('skip' in launched) {
      skip = launched.skip;
      console.warn(`oidc-dev browser tests: ${skip}`);
    } else {
      browser = launched.browser;
      // One page for every flow: a second sign-in in the same browser is part of what is tested.
      sharedPage = await browser.newPage();
      sharedPage.setDefaultTimeout(10_000);
    }
  });

  after(async () => {
    capture.restore();
    await browser?.close();
    await host.close();
  });

  async function verifyIdToken(idToken: string, nonce?: string): Promise<JWTPayload> {
    const { payload, protectedHeader } = await jwtVerify(idToken, createRemoteJWKSet(new URL(doc.jwks_uri)), {
      issuer: host.dev.loginIssuer, audience: 'sigstore', algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.alg, 'ES256');
    if (nonce !== undefined) assert.equal(payload.nonce, nonce);
    return payload;
  }

  async function postToken(params: Record<string, string>): Promise<{ status: number; body: any }> {
    const res = await fetch(doc.token_endpoint, { method: 'POST', body: new URLSearchParams(params) });
    const body = await json(res);
    for (const key of ['id_token', 'access_token', 'refresh_token'] as const) if (typeof body[key] === 'string') secrets.push(body[key]);
    return { status: res.status, body };
  }

  async function signIn(page: Page, email: string): Promise<JWTPayload> {
    const listener = await startRedirectListener();
    try {
      const pkce = createPkce();
      const state = randomBytes(12).toString('base64url');
      const nonce = randomBytes(12).toString('base64url');
      const params = new URLSearchParams({
        client_id: 'sigstore', response_type: 'code', scope: 'openid email', redirect_uri: listener.redirectUri,
        code_challenge: pkce.challenge, code_challenge_method: 'S256', state, nonce,
      });
      await page.goto(`${doc.authorization_endpoint}?${params.toString()}`);
      assert.equal((await page.textContent('#dev-issuer-banner'))?.trim(), DEV_BANNER);
      assert.match(new URL(page.url()).pathname, /^\/oidc\/interaction\//);
      await page.fill('#email', email);
      await Promise.all([
        page.waitForURL((url) => url.href.startsWith(listener.redirectUri), { waitUntil: 'commit' }),
        page.click('#sign-in'),
      ]);
      const callback = await listener.callback;
      assert.equal(callback.searchParams.get('state'), state);
      assert.equal(callback.searchParams.get('iss'), host.dev.loginIssuer);
      const code = callback.searchParams.get('code');
      assert.ok(code, `no code in ${callback.search}`);
      secrets.push(code, pkce.verifier);

      const { status, body } = await postToken({
        grant_type: 'authorization_code', code, redirect_uri: listener.redirectUri, code_verifier: pkce.verifier, client_id: 'sigstore',
      });
      assert.equal(status, 200, JSON.stringify(body.error));
      return await verifyIdToken(body.id_token, nonce);
    } finally {
      await listener.close();
    }
  }

  it('runs the authorization code flow with PKCE through the login page', async (t: TestContext) => {
    const page = sharedPage;
    if (!page) return t.skip(skip);
    const claims = await signIn(page, 'dev@example.com');
    assert.equal(claims.sub, 'dev@example.com');
    assert.equal(claims.email, 'dev@example.com');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.aud, 'sigstore');
    assert.equal(claims.iss, host.dev.loginIssuer);

    // Same browser, live session: the issuer still asks, and a new email is a new identity.
    const again = await signIn(page, 'other@example.org');
    assert.equal(again.sub, 'other@example.org');
    assert.equal(again.email, 'other@example.org');
  });

  it('re-renders the login page for an address it cannot use', async (t: TestContext) => {
    const page = sharedPage;
    if (!page) return t.skip(skip);
    const params = new URLSearchParams({
      client_id: 'sigstore', response_type: 'code', scope: 'openid email', redirect_uri: 'http://127.0.0.1:9/cb',
      code_challenge: createPkce().challenge, code_challenge_method: 'S256',
    });
    await page.goto(`${doc.authorization_endpoint}?${params.toString()}`);
    // Skip the browser's own type=email check to reach the server's.
    await page.$eval('#login-form', (form) => form.setAttribute('novalidate', ''));
    await page.fill('#email', 'not an email');
    await Promise.all([page.waitForLoadState('load'), page.click('#sign-in')]);
    assert.match((await page.textContent('.error')) ?? '', /Enter an email address/);
    assert.equal(await page.inputValue('#email'), 'not an email');
  });

  it('runs the device authorization grant, approved in the browser', async (t: TestContext) => {
    const page = sharedPage;
    if (!page) return t.skip(skip);
    const res = await fetch(doc.device_authorization_endpoint, {
      method: 'POST', body: new URLSearchParams({ client_id: 'sigstore', scope: 'openid email' }),
    });
    assert.equal(res.status, 200);
    const device = await json(res);
    secrets.push(device.device_code);
    assert.ok(device.verification_uri_complete.startsWith(`${host.dev.loginIssuer}/device`));
    const poll = () => postToken({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code, client_id: 'sigstore' });

    const pending = await poll();
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');

    await page.goto(device.verification_uri_complete);
    assert.equal((await page.textContent('#user-code'))?.trim(), device.user_code);
    assert.equal((await page.textContent('#dev-issuer-banner'))?.trim(), DEV_BANNER);
    await page.click('#continue');
    await page.waitForSelector('#email');
    assert.equal((await page.textContent('#dev-issuer-banner'))?.trim(), DEV_BANNER);
    await page.fill('#email', 'device@example.com');
    await page.click('#sign-in');
    await page.waitForSelector('text=The device is signed in');

    const done = await poll();
    assert.equal(done.status, 200, JSON.stringify(done.body.error));
    const claims = await verifyIdToken(done.body.id_token);
    assert.equal(claims.sub, 'device@example.com');
    assert.equal(claims.email, 'device@example.com');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.aud, 'sigstore');
  });

  it('hands out CI tokens alongside (no browser needed)', async () => {
    const env = host.dev.ciEnv();
    secrets.push(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
    const ok = await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`, { headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } });
    const { value } = await json(ok);
    secrets.push(value);
    assert.match(value, JWT_PATTERN);
    const wrong = await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`, { headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}x` } });
    assert.equal(wrong.status, 401);
    // A failing request on the login side too, so error paths are part of the captured run.
    await fetch(doc.token_endpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: 'bogus', client_id: 'sigstore' }) });
  });

  it('wrote no JWT, code or CI secret to stdout, stderr or the console', () => {
    console.info('oidc-dev: output capture check');
    const output = capture.text();
    assert.ok(output.includes('oidc-dev: output capture check'), 'the capture sees console output');
    assert.ok(secrets.length >= 2);
    assert.doesNotMatch(output, JWT_PATTERN);
    for (const secret of secrets) assert.ok(!output.includes(secret), 'a token or secret appeared in the output');
  });
});
