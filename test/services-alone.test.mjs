// Each service also runs alone, as in production: `sigil oidc serve` + `sigil oidc ci-env`,
// and `sigil ca serve` with an issuer file naming that provider's CI issuer.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, runSigil, startSigil, waitExit } from './helpers.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-alone-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('sigil oidc serve, sigil oidc ci-env and sigil ca serve work on their own', async () => {
  const oidcPort = await freePort();
  const caPort = await freePort();
  const oidc = await startSigil(['oidc', 'serve', '--data', join(tmp, 'oidc'), '--port', String(oidcPort)], `http://127.0.0.1:${oidcPort}/ci/.well-known/openid-configuration`);
  let ca;
  try {
    const env = await runSigil(['oidc', 'ci-env', '--data', join(tmp, 'oidc')]);
    assert.equal(env.code, 0, env.stderr);
    const url = /ACTIONS_ID_TOKEN_REQUEST_URL='([^']+)'/.exec(env.stdout)?.[1];
    const secret = /ACTIONS_ID_TOKEN_REQUEST_TOKEN='([^']+)'/.exec(env.stdout)?.[1];
    assert.ok(url && secret);
    const token = (await (await fetch(`${url}&audience=sigstore`, { headers: { authorization: `BEARER ${secret}` } })).json()).value;
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));

    const issuers = join(tmp, 'issuers.json');
    writeFileSync(issuers, JSON.stringify({ OIDCIssuers: { [claims.iss]: { IssuerURL: claims.iss, ClientID: 'sigstore', Type: 'github-workflow' } } }));
    ca = await startSigil(['ca', 'serve', '--data', join(tmp, 'ca'), '--issuers', issuers, '--port', String(caPort)], `http://127.0.0.1:${caPort}/api/v2/configuration`);
    const config = await (await fetch(`http://127.0.0.1:${caPort}/api/v2/configuration`)).json();
    assert.equal(config.issuers[0].issuerUrl, claims.iss);
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const res = await fetch(`http://127.0.0.1:${caPort}/api/v2/signingCert`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(claims.sub), privateKey).toString('base64') } }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const leaf = new X509Certificate((await res.json()).signedCertificateEmbeddedSct.chain.certificates[0]);
    assert.equal(leaf.subjectAltName, `URI:https://github.com/${claims.job_workflow_ref}`);
    const bundle = await (await fetch(`http://127.0.0.1:${caPort}/api/v2/trustBundle`)).json();
    assert.equal(bundle.chains[0].certificates.length, 2);
  } finally {
    oidc.child.kill('SIGTERM');
    ca?.child.kill('SIGTERM');
    await waitExit(oidc.child);
    if (ca) await waitExit(ca.child);
  }
});

test('sigil oidc ci-env without a running provider says so and exits non-zero', async () => {
  const r = await runSigil(['oidc', 'ci-env', '--data', join(tmp, 'nothing-here')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no running provider/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one readable line');
});

test('sigil log trusted-root on a directory with no log refuses and creates nothing', async () => {
  const { existsSync } = await import('node:fs');
  const dir = join(tmp, 'no-log');
  const r = await runSigil(['log', 'trusted-root', '--data', dir]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no log in/);
  assert.equal(existsSync(join(dir, 'log.db')), false);
});
