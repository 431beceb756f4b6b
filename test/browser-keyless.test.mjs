// Attended keyless, for real: Debian's Chromium logs in at the stack's OIDC provider with
// PKCE and a loopback redirect; the code becomes an ID token and the token a certificate
// whose SAN is the typed email. Also checks the GitHub-style token's certificate profile.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '@sigil/ca'; // loads reflect-metadata before @peculiar/x509
import * as x509 from '@peculiar/x509';
import { startStack } from '../packages/cli/dist/stack/stack.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-browser-'));
let stack;
before(async () => { stack = await startStack({ dataDir: tmp, port: 0 }); });
after(async () => { await stack?.close(); rmSync(tmp, { recursive: true, force: true }); });

async function requestCert(base, idToken, subject) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const res = await fetch(`${base}/api/v2/signingCert`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ credentials: { oidcIdentityToken: idToken }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(subject), privateKey).toString('base64') } }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return new x509.X509Certificate((await res.json()).signedCertificateEmbeddedSct.chain.certificates[0]);
}
const ext = (cert, n) => cert.extensions.find((e) => e.type === `1.3.6.1.4.1.57264.1.${n}`);
const utf8 = (e) => { const v = Buffer.from(e.value); assert.equal(v[0], 0x0c, 'UTF8String'); return v.subarray(v[1] & 0x80 ? 2 + (v[1] & 0x7f) : 2).toString(); };

test('a browser login at the stack becomes a certificate for the typed email', { skip: !existsSync('/usr/bin/chromium') && !process.env.CI && 'chromium not installed' }, async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  let got;
  // Only the redirect counts (the browser also asks this origin for /favicon.ico).
  const cb = createServer((req, res) => { const u = new URL(req.url, 'http://127.0.0.1'); if (u.pathname === '/callback') got = u; res.end('signed in'); });
  await new Promise((r) => cb.listen(0, '127.0.0.1', r));
  try {
    const doc = await (await fetch(`${stack.oidc.loginIssuer}/.well-known/openid-configuration`)).json();
    const redirect = `http://127.0.0.1:${cb.address().port}/callback`;
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({ client_id: 'sigstore', response_type: 'code', scope: 'openid email', redirect_uri: redirect, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: 's1', nonce: 'n1' });
    const page = await browser.newPage();
    await page.goto(`${doc.authorization_endpoint}?${params}`);
    assert.match(await page.content(), /[Dd]evelopment issuer/);
    await page.fill('#email', 'Release.Engineer@Example.com');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(redirect), { waitUntil: 'commit' }), page.click('#sign-in')]);
    for (let i = 0; i < 250 && !got; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got?.searchParams.get('state'), 's1');
    const tok = await (await fetch(doc.token_endpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: got.searchParams.get('code'), redirect_uri: redirect, code_verifier: verifier, client_id: 'sigstore' }) })).json();
    const claims = JSON.parse(Buffer.from(tok.id_token.split('.')[1], 'base64url'));
    assert.equal(claims.email_verified, true);
    const cert = await requestCert(stack.url, tok.id_token, claims.email);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san.names.items.map((n) => [n.type, n.value]), [['email', claims.email]]);
    assert.ok(san.critical, 'the SAN is critical');
    assert.equal(utf8(ext(cert, 8)), stack.oidc.loginIssuer);
    assert.equal(Buffer.from(ext(cert, 1).value).toString(), stack.oidc.loginIssuer);
    assert.equal((cert.notAfter - cert.notBefore) / 60000, 10);
  } finally {
    await browser.close();
    cb.close();
  }
});

test('a GitHub-Actions-style token becomes a certificate carrying every extension from its claims', async () => {
  const env = stack.oidc.ciEnv();
  const token = (await (await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`, { headers: { authorization: `bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } })).json()).value;
  const c = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
  const cert = await requestCert(stack.url, token, c.sub);
  const gh = 'https://github.com/';
  const raw = { 1: c.iss, 2: c.event_name, 3: c.sha, 4: c.workflow, 5: c.repository, 6: c.ref };
  for (const [n, v] of Object.entries(raw)) assert.equal(Buffer.from(ext(cert, n).value).toString(), v, `.${n}`);
  const der = {
    8: c.iss, 9: gh + c.job_workflow_ref, 10: c.job_workflow_sha, 11: c.runner_environment, 12: gh + c.repository, 13: c.sha, 14: c.ref,
    15: c.repository_id, 16: gh + c.repository_owner, 17: c.repository_owner_id, 18: gh + c.workflow_ref, 19: c.workflow_sha, 20: c.event_name,
    21: `${gh}${c.repository}/actions/runs/${c.run_id}/attempts/${c.run_attempt}`, 22: c.repository_visibility,
  };
  for (const [n, v] of Object.entries(der)) assert.equal(utf8(ext(cert, n)), v, `.${n}`);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  assert.deepEqual(san.names.items.map((n) => [n.type, n.value]), [['url', gh + c.job_workflow_ref]]);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  assert.deepEqual([...eku.usages], ['1.3.6.1.5.5.7.3.3']);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature);
  assert.ok(ku.critical);
});
