import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEmail } from './login/interaction.js';
import { DEV_BANNER, renderLoginPage } from './login/pages.js';
import { createPkce, startHost, type Host } from './test-support.js';

/** Answers read off the wire are typed at the assertion, not here. */
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'device_authorization_endpoint', 'userinfo_endpoint'];

function authorizationUrl(doc: any, redirectUri: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    client_id: 'sigstore', response_type: 'code', scope: 'openid email', redirect_uri: redirectUri,
    code_challenge: createPkce().challenge, code_challenge_method: 'S256', state: 's1', nonce: 'n1', ...extra,
  });
  return `${doc.authorization_endpoint}?${params.toString()}`;
}

describe('login issuer', () => {
  let host: Host;
  let doc: any;
  before(async () => {
    host = await startHost();
    doc = await json(fetch(`${host.dev.loginIssuer}/.well-known/openid-configuration`));
  });
  after(() => host.close());

  it('publishes discovery whose endpoints all resolve under <base>/oidc', async () => {
    assert.equal(host.dev.loginIssuer, `${host.origin}/oidc`);
    assert.equal(doc.issuer, host.dev.loginIssuer);
    for (const name of ENDPOINTS) assert.ok(doc[name].startsWith(`${host.dev.loginIssuer}/`), `${name}: ${doc[name]}`);
    assert.ok(doc.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:device_code'));
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256']);
    const jwks = await json(fetch(doc.jwks_uri));
    assert.equal(jwks.keys[0].crv, 'P-256');
    assert.equal(jwks.keys[0].d, undefined);
    assert.deepEqual(host.otherRequests, []);
  });

  it('accepts loopback redirect URIs on any port and path, and sends the browser to its own login page', async () => {
    for (const uri of ['http://127.0.0.1:49152/auth/callback', 'http://localhost:1/callback', 'http://127.0.0.1:8/']) {
      const res = await fetch(authorizationUrl(doc, uri), { redirect: 'manual' });
      assert.equal(res.status, 303, uri);
      assert.match(res.headers.get('location')!, /^\/oidc\/interaction\/[\w-]+$/, uri);
    }
  });

  it('refuses non-loopback redirect URIs and requests without PKCE S256', async () => {
    const evil = await fetch(authorizationUrl(doc, 'http://evil.example/callback'), { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(evil.status, 400);
    const html = await evil.text();
    assert.ok(html.includes(DEV_BANNER));
    assert.ok(html.includes('redirect_uri'));

    const noPkce = new URL(authorizationUrl(doc, 'http://127.0.0.1:5000/cb'));
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    const res = await fetch(noPkce, { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    assert.equal(back.origin, 'http://127.0.0.1:5000');
    assert.equal(back.searchParams.get('error'), 'invalid_request');

    const plain = await fetch(authorizationUrl(doc, 'http://127.0.0.1:5000/cb', { code_challenge_method: 'plain' }), { redirect: 'manual' });
    assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  });

  it('sends a cancelled sign-in back to the client as access_denied', async () => {
    const jar = new Map<string, string>();
    const step = async (url: string, init: RequestInit = {}) => {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(new URL(url, host.origin), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie } });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      return res;
    };
    const toLogin = await step(authorizationUrl(doc, 'http://127.0.0.1:5001/cb'));
    const loginPath = toLogin.headers.get('location')!;
    const page = await (await step(loginPath)).text();
    assert.ok(page.includes(`action="${loginPath}/abort"`));
    const aborted = await step(`${loginPath}/abort`, { method: 'POST' });
    assert.equal(aborted.status, 303);
    const back = await step(aborted.headers.get('location')!);
    const callback = new URL(back.headers.get('location')!);
    assert.equal(callback.origin, 'http://127.0.0.1:5001');
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), 's1');
  });

  it('answers a login page visited without its interaction cookie with an expiry notice', async () => {
    const res = await fetch(`${host.dev.loginIssuer}/interaction/abc123`);
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.ok(html.includes('Sign-in expired'));
    assert.ok(html.includes(DEV_BANNER));
    assert.equal((await fetch(`${host.dev.loginIssuer}/interaction/abc123/login`)).status, 405);
  });
});

describe('login issuer under a path prefix', () => {
  it('mounts at <base>/oidc and <base>/ci and leaves the host the rest', async () => {
    const host = await startHost({ basePath: '/stack' });
    try {
      assert.equal(host.dev.loginIssuer, `${host.origin}/stack/oidc`);
      assert.equal(host.dev.ciIssuer, `${host.origin}/stack/ci`);
      const doc = await json(fetch(`${host.dev.loginIssuer}/.well-known/openid-configuration`));
      assert.equal(doc.issuer, host.dev.loginIssuer);
      for (const name of ENDPOINTS) assert.ok(doc[name].startsWith(`${host.dev.loginIssuer}/`), `${name}: ${doc[name]}`);
      assert.equal((await fetch(doc.jwks_uri)).status, 200);
      const res = await fetch(authorizationUrl(doc, 'http://127.0.0.1:40000/cb'), { redirect: 'manual' });
      assert.match(res.headers.get('location')!, /^\/stack\/oidc\/interaction\/[\w-]+$/);
      const ci = await json(fetch(`${host.dev.ciIssuer}/.well-known/openid-configuration`));
      assert.equal(ci.jwks_uri, `${host.dev.ciIssuer}/.well-known/jwks`);
      assert.equal(host.dev.handles('/oidc/jwks'), false);
      assert.equal((await fetch(`${host.origin}/oidc/jwks`)).status, 418);
    } finally {
      await host.close();
    }
  });
});

describe('login page', () => {
  it('escapes what it echoes and carries the development banner', () => {
    const html = renderLoginPage({ issuer: 'http://x/oidc', clientName: '<b>c</b>', action: '/a"b', abortAction: '/c', email: '"><script>alert(1)</script>', error: '<i>', deviceFlow: false });
    assert.ok(!html.includes('<script>alert'));
    assert.ok(!html.includes('<b>c</b>'));
    assert.ok(!html.includes('<i>'));
    assert.ok(html.includes('action="/a&#34;b"'));
    assert.ok(html.includes(DEV_BANNER));
  });

  it('takes plain email addresses only', () => {
    assert.equal(parseEmail(' dev@example.com '), 'dev@example.com');
    assert.equal(parseEmail('a.b+tag@sub.example.org'), 'a.b+tag@sub.example.org');
    for (const bad of ['', 'dev', 'dev@', '@example.com', 'a@b@c', 'dev@exa mple.com', 'dév@example.com', 'x'.repeat(65) + '@example.com', undefined]) {
      assert.equal(parseEmail(bad), undefined, String(bad));
    }
  });
});
