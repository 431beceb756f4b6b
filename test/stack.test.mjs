// `sigil up` end to end: one port, trust documents written last, a GitHub-style CI token
// becomes a certificate, sigstore-js signs against the stack and verifies with our trusted
// root, and a live shard rotation rewrites the trusted root with the old key's window closed.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sign as sigstoreSign } from 'sigstore';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { freePort, runSigil, sigilBin, waitExit } from './helpers.mjs';
import { spawn } from 'node:child_process';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-stack-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function startUp(dir, port) {
  const child = spawn(process.execPath, [sigilBin, 'up', '--data', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 30000;
  while (!existsSync(join(dir, 'trusted_root.json'))) {
    if (child.exitCode !== null || Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`sigil up did not get ready: ${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, out: () => out };
}

test('sigil up serves log, CA and OIDC on one port; sigstore-js signs and verifies against it', async () => {
  const dir = join(tmp, 'stack');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const up = await startUp(dir, port);
  try {
    // Everything is printed before the trusted root appears.
    const text = up.out();
    const url = /export ACTIONS_ID_TOKEN_REQUEST_URL='([^']+)'/.exec(text)?.[1];
    const token = /export ACTIONS_ID_TOKEN_REQUEST_TOKEN='([^']+)'/.exec(text)?.[1];
    assert.ok(url && token, 'both CI variables are printed');
    assert.ok(url.includes('?'), 'the request URL already carries a query');
    assert.ok(existsSync(join(dir, 'signing_config.json')));
    const sc = JSON.parse(readFileSync(join(dir, 'signing_config.json'), 'utf8'));
    assert.equal(sc.rekorTlogUrls[0].url, base);
    assert.equal(sc.caUrls[0].url, base);

    const idToken = (await (await fetch(`${url}&audience=sigstore`, { headers: { authorization: `Bearer ${token}` } })).json()).value;
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url'));
    assert.equal(claims.aud, 'sigstore');
    assert.equal(claims.email, undefined, 'CI tokens carry no email');

    // A Fulcio v2 client's request.
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const res = await fetch(`${base}/api/v2/signingCert`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credentials: { oidcIdentityToken: idToken }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(claims.sub), privateKey).toString('base64') } }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const chain = (await res.json()).signedCertificateEmbeddedSct.chain.certificates;
    const leaf = new X509Certificate(chain[0]);
    assert.equal(leaf.subjectAltName, `URI:https://github.com/${claims.job_workflow_ref}`);

    // sigstore-js signs against the stack and verifies with our trusted root.
    const artifact = randomBytes(2048);
    const bundle = await sigstoreSign(artifact, { fulcioURL: base, rekorURL: base, identityToken: idToken });
    const root = JSON.parse(readFileSync(join(dir, 'trusted_root.json'), 'utf8'));
    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
    const policy = { subjectAlternativeName: `https://github.com/${claims.job_workflow_ref}`, extensions: { issuer: claims.iss } };
    verifier.verify(toSignedEntity(bundleFromJSON(bundle), artifact), policy);
    assert.throws(() => verifier.verify(toSignedEntity(bundleFromJSON(bundle), artifact), { ...policy, extensions: { issuer: 'https://accounts.google.com' } }));
    // The printed verify example's policy, run as printed, accepts this identity.
    const printed = /verify-blob [^\n]*\n?[^\n]*--certificate-identity-regexp '([^']+)' --certificate-oidc-issuer (\S+)/.exec(text);
    assert.ok(printed, 'a verify-blob example is printed');
    writeFileSync(join(tmp, 'up-artifact'), artifact);
    writeFileSync(join(tmp, 'up-artifact.sigstore.json'), JSON.stringify(bundle));
    const example = await runSigil(['verify-blob', join(tmp, 'up-artifact'), '--bundle', join(tmp, 'up-artifact.sigstore.json'), '--trusted-root', join(dir, 'trusted_root.json'),
      '--certificate-identity-regexp', printed[1], '--certificate-oidc-issuer', printed[2]]);
    assert.equal(example.code, 0, example.stderr);

    // Live rotation to a new key rewrites the trusted root: the old key's window gets an end.
    const keyFile = join(tmp, 'new-shard.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const rot = await runSigil(['log', 'shard', 'rotate', '--data', dir, '--key', keyFile]);
    assert.equal(rot.code, 0, rot.stderr);
    const rotated = JSON.parse(readFileSync(join(dir, 'trusted_root.json'), 'utf8'));
    assert.equal(rotated.tlogs.length, 2);
    assert.ok(rotated.tlogs[0].publicKey.validFor.end, 'the old key has an end');
    assert.equal(rotated.tlogs[1].publicKey.validFor.end, undefined);
    // The old bundle still verifies with the rewritten root; a new one signs into the new shard.
    const v2 = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(rotated)), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
    v2.verify(toSignedEntity(bundleFromJSON(bundle), artifact), policy);
    const artifact2 = randomBytes(64);
    const bundle2 = await sigstoreSign(artifact2, { fulcioURL: base, rekorURL: base, identityToken: idToken });
    v2.verify(toSignedEntity(bundleFromJSON(bundle2), artifact2), policy);
  } finally {
    up.child.kill('SIGINT');
    assert.equal(await waitExit(up.child), 0, 'Ctrl-C stops the stack cleanly');
  }
  // A restart on the same directory comes back with the same keys, CA and log.
  const before = JSON.parse(readFileSync(join(dir, 'trusted_root.json'), 'utf8'));
  rmSync(join(dir, 'trusted_root.json'));
  const again = await startUp(dir, port);
  try {
    const after = JSON.parse(readFileSync(join(dir, 'trusted_root.json'), 'utf8'));
    assert.deepEqual(after.certificateAuthorities, before.certificateAuthorities);
    assert.deepEqual(after.tlogs.map((t) => t.publicKey.rawBytes), before.tlogs.map((t) => t.publicKey.rawBytes));
    const info = await (await fetch(`${base}/api/v1/log`)).json();
    assert.equal(info.inactiveShards.length, 1);
    assert.ok(info.treeSize >= 1);
  } finally {
    again.child.kill('SIGTERM');
    await waitExit(again.child);
  }
});
