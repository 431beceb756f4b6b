// Where the keyless signer's identity token comes from, against real servers over loopback:
// oidc-dev's CI issuer (GitHub-Actions-style requests) and login issuer (browser sign-in
// driven by Debian's Chromium, device flow approved in it), and a small GCP metadata server.
// Every token here is a real signed one; none may reach stdout, stderr or the console.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createOidcDev, serveOidc } from '@sigil/oidc-dev';
import { decodeJwtPayload, getIdentityToken } from '../packages/client/dist/identity/index.js';

const CHROMIUM = '/usr/bin/chromium';
const JWT_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/;
const skipBrowser = !existsSync(CHROMIUM) && !process.env.CI && `${CHROMIUM} not installed`;

// ---- output capture: tokens must never be printed ----------------------------------------
const output = [];
const restore = [];
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write;
  stream.write = function capture(chunk, ...rest) { output.push(String(chunk)); return write.call(this, chunk, ...rest); };
  restore.push(() => { stream.write = write; });
}
for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[name];
  console[name] = (...args) => { output.push(args.map(String).join(' ')); original.apply(console, args); };
  restore.push(() => { console[name] = original; });
}
const seenTokens = [];
const seen = (t) => { seenTokens.push(t.token); return t; };

// ---- servers ------------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'sigil-identity-'));
let oidc;
let browser;

/** A node:http server on a free loopback port; `handler(req, res)`. */
async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
  };
}

/** A port with nothing behind it. */
async function closedPort() {
  const s = await listen(() => {});
  await s.close();
  return s.host;
}

/** The GCP metadata protocol, as much of it as a client of the identity endpoint sees. */
async function metadataServer(tokenFor) {
  const requests = [];
  const server = await listen((req, res) => {
    const url = new URL(req.url, 'http://metadata');
    requests.push(url);
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403, { 'content-type': 'text/html' }).end('Missing required header: Metadata-Flavor');
      return;
    }
    if (url.pathname !== '/computeMetadata/v1/instance/service-accounts/default/identity' || !url.searchParams.get('audience')) {
      res.writeHead(404, { 'metadata-flavor': 'Google' }).end('not found');
      return;
    }
    tokenFor(url.searchParams.get('audience')).then((token) => {
      res.writeHead(200, { 'metadata-flavor': 'Google', 'content-type': 'application/text' }).end(token);
    });
  });
  return { ...server, requests };
}

const payload = (token) => {
  const decoded = decodeJwtPayload(token);
  assert.ok('payload' in decoded, decoded.reason);
  return decoded.payload;
};
const identityError = (pattern) => (err) => {
  assert.equal(err.code, 'ERR_IDENTITY', err.stack);
  assert.match(err.message, pattern);
  for (const t of seenTokens) assert.ok(!err.message.includes(t), 'an error message quotes a token');
  return true;
};

before(async () => {
  oidc = await serveOidc({ port: 0, dataDir: tmp });
  if (!skipBrowser) {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }
});
after(async () => {
  await browser?.close();
  await oidc?.close();
  rmSync(tmp, { recursive: true, force: true });
  for (const r of restore) r();
});

/** No ambient source, no metadata server: only what a test passes. */
const quiet = { env: {}, gcp: false, interactive: false };

describe('explicit and environment tokens', () => {
  it('takes an explicit JWT, or a file holding one', async () => {
    const jwt = await oidc.dev.mintCiToken('default', 'sigstore');
    seenTokens.push(jwt);
    const direct = seen(await getIdentityToken({ ...quiet, identityToken: jwt }));
    assert.equal(direct.source, 'explicit');
    assert.equal(direct.token, jwt);
    assert.equal(direct.claims.iss, oidc.dev.ciIssuer);
    assert.equal(direct.claims.sub, payload(jwt).sub);
    assert.equal(direct.claims.exp, payload(jwt).exp);

    const file = join(tmp, 'token.jwt');
    writeFileSync(file, `${jwt}\n`);
    const fromFile = await getIdentityToken({ ...quiet, identityToken: file });
    assert.deepEqual(fromFile, direct);
  });

  it('takes SIGSTORE_ID_TOKEN', async () => {
    const jwt = await oidc.dev.mintCiToken('default', 'sigstore');
    const token = seen(await getIdentityToken({ ...quiet, env: { SIGSTORE_ID_TOKEN: jwt } }));
    assert.equal(token.source, 'env');
    assert.equal(token.token, jwt);
  });
});

describe('GitHub Actions', () => {
  it('requests a token for audience sigstore from the CI issuer', async () => {
    const token = seen(await getIdentityToken({ ...quiet, env: oidc.dev.ciEnv() }));
    assert.equal(token.source, 'github-actions');
    assert.equal(token.claims.iss, oidc.dev.ciIssuer);
    const { payload: claims } = await jwtVerify(token.token, createRemoteJWKSet(new URL(`${oidc.dev.ciIssuer}/.well-known/jwks`)), {
      issuer: oidc.dev.ciIssuer, audience: 'sigstore',
    });
    assert.equal(claims.repository, 'acme/app');
    assert.equal(token.claims.sub, claims.sub);
  });

  it('appends the audience to a URL without a query too', async () => {
    const { ACTIONS_ID_TOKEN_REQUEST_TOKEN } = oidc.dev.ciEnv();
    let seenUrl;
    const proxy = await listen(async (req, res) => {
      seenUrl = req.url;
      // Forward to the CI issuer's job URL, as a runner's token service would answer.
      const upstream = await fetch(`${oidc.dev.ciEnv().ACTIONS_ID_TOKEN_REQUEST_URL}&${req.url.split('?')[1]}`, { headers: { authorization: req.headers.authorization } });
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    try {
      const token = seen(await getIdentityToken({ ...quiet, env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${proxy.url}/idtoken`, ACTIONS_ID_TOKEN_REQUEST_TOKEN } }));
      assert.equal(seenUrl, '/idtoken?audience=sigstore');
      assert.equal(payload(token.token).aud, 'sigstore');
    } finally {
      await proxy.close();
    }
  });

  it('fails on a 500 from the token endpoint, and on an oversized answer', async () => {
    let hits = 0;
    const broken = await listen((req, res) => {
      hits++;
      if (req.url.startsWith('/huge')) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: 'a'.repeat(100 * 1024) }));
      else res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"internal"}');
    });
    try {
      const env = (path) => ({ ACTIONS_ID_TOKEN_REQUEST_URL: `${broken.url}${path}?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 's3cret' });
      await assert.rejects(getIdentityToken({ ...quiet, env: env('/token') }), identityError(/^GitHub Actions: the ID token request failed: HTTP 500$/));
      assert.equal(hits, 3, 'a 5xx is retried twice');
      await assert.rejects(getIdentityToken({ ...quiet, env: env('/huge') }), identityError(/^GitHub Actions: the answer of .*\/huge is larger than 65536 bytes/));
    } finally {
      await broken.close();
    }
  });
});

describe('GCP metadata server', () => {
  it('gets a token from a metadata server, which refuses requests without Metadata-Flavor', async () => {
    const server = await metadataServer((aud) => oidc.dev.mintCiToken('default', aud));
    try {
      assert.equal((await fetch(`${server.url}/computeMetadata/v1/instance/service-accounts/default/identity?audience=x`)).status, 403);
      const token = seen(await getIdentityToken({ env: { GCE_METADATA_HOST: server.host }, interactive: false }));
      assert.equal(token.source, 'gcp');
      assert.equal(payload(token.token).aud, 'sigstore');
      const last = server.requests.at(-1);
      assert.equal(last.searchParams.get('audience'), 'sigstore');
      assert.equal(last.searchParams.get('format'), 'full');
    } finally {
      await server.close();
    }
  });

  it('falls through, quickly, when there is no metadata server or it is not one', async () => {
    const started = Date.now();
    await assert.rejects(getIdentityToken({ env: { GCE_METADATA_HOST: await closedPort() }, interactive: false }),
      identityError(/no identity token was found and interactive sign-in is off/));
    assert.ok(Date.now() - started < 1000, `falling through took ${Date.now() - started} ms`);

    const impostor = await listen((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
    try {
      await assert.rejects(getIdentityToken({ env: { GCE_METADATA_HOST: impostor.host }, interactive: false }), identityError(/interactive sign-in is off/));
    } finally {
      await impostor.close();
    }
  });
});

describe('precedence', () => {
  it('explicit, then SIGSTORE_ID_TOKEN, then GitHub Actions, then GCP, then interactive', async () => {
    const gcp = await metadataServer(async () => 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20ifQ.c2ln');
    try {
      const explicit = await oidc.dev.mintCiToken('default', 'explicit');
      const fromEnv = await oidc.dev.mintCiToken('default', 'env');
      const all = { SIGSTORE_ID_TOKEN: fromEnv, ...oidc.dev.ciEnv(), GCE_METADATA_HOST: gcp.host };
      const drop = (...names) => Object.fromEntries(Object.entries(all).filter(([k]) => !names.includes(k)));
      const order = [];
      for (const [opts, expect] of [
        [{ identityToken: explicit, env: all }, 'explicit'],
        [{ env: all }, 'env'],
        [{ env: drop('SIGSTORE_ID_TOKEN') }, 'github-actions'],
        [{ env: drop('SIGSTORE_ID_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN') }, 'gcp'],
      ]) {
        const token = seen(await getIdentityToken({ interactive: false, ...opts }));
        order.push(token.source);
        assert.equal(token.source, expect);
      }
      assert.deepEqual(order, ['explicit', 'env', 'github-actions', 'gcp']);
      // With gcp: false the metadata server is not asked, and nothing is left.
      const before = gcp.requests.length;
      await assert.rejects(getIdentityToken({ env: drop('SIGSTORE_ID_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL'), gcp: false, interactive: false }),
        (err) => { assert.match(err.hint, /SIGSTORE_ID_TOKEN/); return true; });
      assert.equal(gcp.requests.length, before);
    } finally {
      await gcp.close();
    }
  });
});

describe('refused tokens', () => {
  it('refuses a value that is not a well-formed JWT', async () => {
    await assert.rejects(getIdentityToken({ ...quiet, identityToken: 'aaaa.bbbb.cccc' }), identityError(/^the identityToken option: the identity token is not a well-formed JWT/));
    await assert.rejects(getIdentityToken({ ...quiet, env: { SIGSTORE_ID_TOKEN: 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.' } }), identityError(/^SIGSTORE_ID_TOKEN: the identity token is not a well-formed JWT/));
  });

  it('refuses an expired token, saying when it expired', async () => {
    const past = await createOidcDev({ baseUrl: 'http://127.0.0.1:9', clock: () => Date.now() - 3600_000 });
    try {
      const stale = await past.mintCiToken('default', 'sigstore');
      seenTokens.push(stale);
      await assert.rejects(getIdentityToken({ ...quiet, identityToken: stale }), identityError(/^the identityToken option: the identity token expired at \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+ s ago\)$/));
    } finally {
      await past.close();
    }
  });
});

describe('interactive sign-in at the login issuer', () => {
  const issuer = () => oidc.dev.loginIssuer;

  // One browser context per flow, opened up front: on a small machine, opening them while
  // the device flows wait would eat into the 5 s before their first poll.
  const pages = {};
  before(async () => {
    if (skipBrowser) return;
    for (const name of ['login', 'approve', 'abort']) {
      pages[name] = await (await browser.newContext()).newPage();
      pages[name].setDefaultTimeout(10_000);
    }
  });

  it('browser: authorization code + PKCE through the login page, back to the loopback', { skip: skipBrowser }, async () => {
    const page = pages.login;
    const authUrls = [];
    let browserFailure;
    const token = seen(await getIdentityToken({
      env: {}, gcp: false, issuer: issuer(), isTTY: true, loginTimeoutMs: 15_000,
      onAuthUrl: (url) => authUrls.push(url),
      openBrowser: async (url) => {
        try {
          await page.goto(url);
          await page.fill('#email', 'dev@example.com');
          await page.click('#sign-in');
        } catch (err) {
          browserFailure = err;
        }
      },
    }));
    assert.equal(browserFailure, undefined);
    assert.equal(token.source, 'browser');
    assert.equal(token.claims.email, 'dev@example.com');
    assert.equal(token.claims.iss, issuer());
    assert.equal(authUrls.length, 1);
    const auth = new URL(authUrls[0]);
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.match(auth.searchParams.get('redirect_uri'), /^http:\/\/127\.0\.0\.1:\d+\/auth\/callback$/);
    const doc = await (await fetch(`${issuer()}/.well-known/openid-configuration`)).json();
    const { payload: claims } = await jwtVerify(token.token, createRemoteJWKSet(new URL(doc.jwks_uri)), { issuer: issuer(), audience: 'sigstore' });
    assert.equal(claims.email_verified, true);
    assert.equal(claims.nonce, auth.searchParams.get('nonce'));
    await page.waitForURL((u) => u.pathname === '/auth/callback');
    assert.match(await page.textContent('#message'), /You can close this tab/);
  });

  // Side by side: each waits the RFC's 5 s before its first poll.
  describe('device flow', { concurrency: true }, () => {
    /** Approves (or aborts) a device code, in the time of the first poll (5 s). */
    async function driveDevicePage(page, prompt, { email, abort = false }) {
      await page.goto(prompt.verificationUriComplete);
      assert.equal((await page.textContent('#user-code')).trim(), prompt.userCode);
      if (abort) {
        await page.click('#abort');
        await page.waitForSelector('text=The sign-in was aborted');
        return;
      }
      await page.click('#continue');
      await page.fill('#email', email);
      await page.click('#sign-in');
      await page.waitForSelector('text=The device is signed in');
    }

    it('returns the token once the code is approved in the browser', { skip: skipBrowser }, async () => {
      const prompts = [];
      let approval;
      const token = seen(await getIdentityToken({
        env: {}, gcp: false, issuer: issuer(), device: true, isTTY: true,
        onDeviceCode: (prompt) => {
          prompts.push(prompt);
          approval = driveDevicePage(pages.approve, prompt, { email: 'device@example.com' });
        },
      }));
      await approval;
      assert.equal(token.source, 'device');
      assert.equal(token.claims.email, 'device@example.com');
      assert.equal(payload(token.token).aud, 'sigstore');
      assert.equal(prompts.length, 1);
      assert.ok(prompts[0].verificationUri.startsWith(`${issuer()}/device`));
      assert.ok(prompts[0].expiresIn > 0);
    });

    it('is chosen without a TTY; fails with access_denied when the user aborts', { skip: skipBrowser }, async () => {
      let denial;
      await assert.rejects(getIdentityToken({
        env: {}, gcp: false, issuer: issuer(), isTTY: false,
        onDeviceCode: (prompt) => { denial = driveDevicePage(pages.abort, prompt, { abort: true }); },
      }), identityError(/^device sign-in at .*: the sign-in was denied/));
      await denial;
    });
  });
});

it('printed no token', () => {
  const text = output.join('');
  assert.ok(seenTokens.length >= 8);
  assert.doesNotMatch(text, JWT_PATTERN);
  for (const t of seenTokens) assert.ok(!text.includes(t), 'a token appeared in the output');
});
