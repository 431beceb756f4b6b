// The client through its command line, against a real local stack (log + CA + OIDC on
// loopback): keyless sign-blob in a simulated GitHub Actions job, key pairs, attestations,
// every refusal with its exit code, sigstore-js as the outside verifier, and the
// sigstore-conformance protocol over the real public-good bundles.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { startStack } from '../packages/cli/dist/stack/stack.js';
import { root, runSigil } from './helpers.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-client-cli-'));
let stack, ciEnv, cfg, trustedRoot, issuer;
const vectors = join(root, '..', 'shared', 'vectors', 'bundles');
const conformanceBin = join(root, 'packages', 'cli', 'bin', 'sigil-conformance.js');

before(async () => {
  stack = await startStack({ dataDir: join(tmp, 'stack'), port: 0 });
  stack.writeTrustDocuments();
  ciEnv = stack.oidc.ciEnv();
  trustedRoot = stack.trustedRootPath;
  cfg = ['--signing-config', stack.signingConfigPath, '--trusted-root', trustedRoot];
  issuer = stack.oidc.ciIssuer;
});
after(async () => { await stack?.close(); rmSync(tmp, { recursive: true, force: true }); });

const inCi = () => ({ env: { ...process.env, ...ciEnv, CI: 'true' } });
const noCi = () => { const env = { ...process.env }; delete env.ACTIONS_ID_TOKEN_REQUEST_URL; delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN; delete env.SIGSTORE_ID_TOKEN; return { env }; };
const file = (name, bytes = randomBytes(100_000)) => { const p = join(tmp, name); writeFileSync(p, bytes); return p; };
/** The signer identity (the SAN) of a keyless bundle, as node:crypto renders it ("URI:…" / "email:…"). */
const sanOf = (bundlePath) => {
  const b = JSON.parse(readFileSync(bundlePath, 'utf8'));
  return new X509Certificate(Buffer.from(b.verificationMaterial.certificate.rawBytes, 'base64')).subjectAltName.replace(/^(URI|email):/, '');
};

function peerVerify(bundlePath, artifactPath, policy, key) {
  const tm = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(readFileSync(trustedRoot, 'utf8'))), key ? () => ({ publicKey: createPublicKey(readFileSync(key)), validFor: () => true }) : undefined);
  const v = new Verifier(tm, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  v.verify(toSignedEntity(bundleFromJSON(JSON.parse(readFileSync(bundlePath, 'utf8'))), readFileSync(artifactPath)), policy);
}

test('keyless sign-blob in a GitHub Actions job; verify-blob and sigstore-js accept it; every wrong policy is refused', async () => {
  const blob = file('blob');
  const bundle = join(tmp, 'b.json');
  const s = await runSigil(['sign-blob', blob, '--bundle', bundle, ...cfg], inCi());
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, '', 'nothing on stdout when the bundle goes to a file');
  assert.match(s.stderr, /getting an identity token: done/);
  assert.ok(!s.stderr.includes(ciEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN), 'the CI credential is never printed');
  const b = JSON.parse(readFileSync(bundle, 'utf8'));
  assert.equal(b.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  const san = sanOf(bundle);
  assert.match(san, /^https:\/\/github.com\//);
  peerVerify(bundle, blob, { subjectAlternativeName: san, extensions: { issuer } });

  const v = (...args) => runSigil(['verify-blob', blob, '--bundle', bundle, '--trusted-root', trustedRoot, ...args], noCi());
  let r = await v('--certificate-identity', san, '--certificate-oidc-issuer', issuer);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'Verified OK\n');
  r = await v('--certificate-identity', san, '--certificate-oidc-issuer', issuer, '--output', 'json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.verified, true);
  assert.equal(out.signer.identity, san);
  assert.equal(out.signer.issuer, issuer);
  assert.equal(out.tlogEntries.length, 1);

  for (const [args, code, why] of [
    [['--certificate-identity', `${san}x`, '--certificate-oidc-issuer', issuer], 1, 'wrong identity'],
    [['--certificate-identity', san, '--certificate-oidc-issuer', `${issuer}.evil`], 1, 'wrong issuer'],
    [['--certificate-identity-regexp', san.slice(0, 10), '--certificate-oidc-issuer', issuer], 1, 'regexp is anchored'],
    [['--certificate-identity', san], 2, 'no issuer policy'],
    [[], 2, 'no policy at all'],
    [['--certificate-identity', san, '--certificate-oidc-issuer', issuer, '--certificate-github-workflow-ref', 'refs/heads/other'], 1, 'wrong workflow ref'],
  ]) {
    r = await v(...args);
    assert.equal(r.code, code, `${why}: ${r.stderr}`);
    assert.ok(!r.stderr.includes('Verified OK'), why);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${why}: one readable line`);
  }
  r = await v('--certificate-identity-regexp', `${san.slice(0, 10)}.*`, '--certificate-oidc-issuer-regexp', 'http://127\\.0\\.0\\.1:[0-9]+/ci', '--certificate-github-workflow-trigger', 'push');
  assert.equal(r.code, 0, r.stderr);

  appendFileSync(blob, 'x');
  r = await v('--certificate-identity', san, '--certificate-oidc-issuer', issuer, '--output', 'json');
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).code, 'ERR_VERIFY_ARTIFACT');
  truncateSync(blob, statSync(blob).size - 1);
  // The digest form verifies without the file.
  const digest = createHash('sha256').update(readFileSync(blob)).digest('hex');
  r = await runSigil(['verify-blob', `sha256:${digest}`, '--bundle', bundle, '--trusted-root', trustedRoot, '--certificate-identity', san, '--certificate-oidc-issuer', issuer], noCi());
  assert.equal(r.code, 0, r.stderr);
});

test('generate-key-pair, sign-blob --key, verify-blob --key; sigstore-js accepts the key-signed bundle', async () => {
  const env = { ...noCi().env, COSIGN_PASSWORD: 'pw' };
  let r = await runSigil(['generate-key-pair', '--output-key-prefix', join(tmp, 'cosign')], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(join(tmp, 'cosign.key')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(tmp, 'cosign.key'), 'utf8'), /BEGIN ENCRYPTED SIGSTORE PRIVATE KEY/);
  r = await runSigil(['generate-key-pair', '--output-key-prefix', join(tmp, 'cosign')], { env });
  assert.equal(r.code, 2, 'an existing key is not overwritten');

  const blob = file('blob2');
  const bundle = join(tmp, 'k.json');
  r = await runSigil(['sign-blob', blob, '--key', join(tmp, 'cosign.key'), '--bundle', bundle, ...cfg], { env });
  assert.equal(r.code, 0, r.stderr);
  r = await runSigil(['verify-blob', blob, '--bundle', bundle, '--key', join(tmp, 'cosign.pub'), '--trusted-root', trustedRoot], { env });
  assert.equal(r.code, 0, r.stderr);
  peerVerify(bundle, blob, {}, join(tmp, 'cosign.pub'));

  r = await runSigil(['sign-blob', blob, '--key', join(tmp, 'cosign.key'), '--bundle', bundle, ...cfg], { env: { ...env, COSIGN_PASSWORD: 'wrong' } });
  assert.equal(r.code, 5, `wrong password: ${r.stderr}`);
  const other = join(tmp, 'other');
  r = await runSigil(['generate-key-pair', '--output-key-prefix', other], { env });
  r = await runSigil(['verify-blob', blob, '--bundle', bundle, '--key', `${other}.pub`, '--trusted-root', trustedRoot], { env });
  assert.equal(r.code, 1, 'another key is refused');
  r = await runSigil(['verify-blob', blob, '--bundle', bundle, '--trusted-root', trustedRoot, '--certificate-identity', 'a', '--certificate-oidc-issuer', 'b'], { env });
  assert.equal(r.code, 1, 'a key-signed bundle without its key is refused');
});

test('attest-blob and verify-blob-attestation by type; sigstore-js accepts the attestation', async () => {
  const blob = file('artifact.tgz');
  const predicate = file('provenance.json', JSON.stringify({ buildDefinition: { buildType: 'https://example.com/build' }, runDetails: { builder: { id: 'https://example.com/builder' } } }));
  const bundle = join(tmp, 'att.json');
  let r = await runSigil(['attest-blob', blob, '--predicate', predicate, '--type', 'slsaprovenance1', '--bundle', bundle, ...cfg], inCi());
  assert.equal(r.code, 0, r.stderr);
  const san = sanOf(bundle);
  peerVerify(bundle, blob, { subjectAlternativeName: san, extensions: { issuer } });
  const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(bundle, 'utf8')).dsseEnvelope.payload, 'base64'));
  assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
  assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v1');
  assert.deepEqual(statement.subject, [{ name: 'artifact.tgz', digest: { sha256: createHash('sha256').update(readFileSync(blob)).digest('hex') } }]);

  const v = (...args) => runSigil(['verify-blob-attestation', blob, '--bundle', bundle, '--trusted-root', trustedRoot, '--certificate-identity', san, '--certificate-oidc-issuer', issuer, ...args], noCi());
  r = await v('--type', 'slsaprovenance1');
  assert.equal(r.code, 0, r.stderr);
  r = await v('--type', 'https://slsa.dev/provenance/v1', '--output', 'json');
  assert.equal(JSON.parse(r.stdout).predicateType, 'https://slsa.dev/provenance/v1');
  r = await v('--type', 'vuln', '--output', 'json');
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).code, 'ERR_VERIFY_POLICY');
  r = await runSigil(['verify-blob', blob, '--bundle', bundle, '--trusted-root', trustedRoot, '--certificate-identity', san, '--certificate-oidc-issuer', issuer], noCi());
  assert.equal(r.code, 1, 'verify-blob refuses an attestation bundle');
  r = await runSigil(['attest-blob', blob, '--predicate', predicate, '--type', 'not a uri', ...cfg], inCi());
  assert.equal(r.code, 2);
});

test('the public-good bundles through the CLI: each valid one verifies, each bad one fails with its code', async () => {
  const manifest = JSON.parse(readFileSync(join(vectors, 'manifest.json'), 'utf8'));
  const codes = {
    'derived-corrupted-inclusion-proof_fail': 'ERR_VERIFY_TLOG_INCLUSION',
    'derived-tampered-signature_fail': 'ERR_VERIFY_TLOG_BODY',
    'derived-wrong-artifact_fail': 'ERR_VERIFY_ARTIFACT',
    'invalid-empty-cert-chain_fail': 'ERR_VERIFY_BUNDLE',
    'invalid-no-signed-time_fail': 'ERR_VERIFY_TIMESTAMP',
    'invalid-no-tlog-entry_fail': 'ERR_VERIFY_BUNDLE',
    'invalid-unknown-mediatype_fail': 'ERR_VERIFY_BUNDLE',
    'invalid-unrelated-log-entry-cve-2022-36056_fail': 'ERR_VERIFY_TLOG_BODY',
    'invalid-v0.2-no-inclusion-proof_fail': 'ERR_VERIFY_BUNDLE',
  };
  let checked = 0;
  for (const c of manifest.cases) {
    // DSSE cases without the artifact's bytes are verified by their statement subject's digest.
    const artifact = c.artifact ? join(vectors, c.artifact) : `sha512:${c.subjectDigest.sha512}`;
    const args = [artifact, '--bundle', join(vectors, c.bundle), '--trusted-root', join(vectors, c.trustedRoot), '--certificate-identity', c.certificateIdentity, '--certificate-oidc-issuer', c.certificateOidcIssuer];
    const conf = await runSigil(['verify-bundle', '--bundle', join(vectors, c.bundle), '--certificate-identity', c.certificateIdentity, '--certificate-oidc-issuer', c.certificateOidcIssuer, '--trusted-root', join(vectors, c.trustedRoot), artifact], { ...noCi(), bin: conformanceBin });
    assert.equal(conf.code === 0, c.expect === 'valid', `sigil-conformance ${c.name}: ${conf.stderr}`);
    if (c.content === 'messageSignature') {
      const r = await runSigil(['verify-blob', ...args, '--output', 'json'], noCi());
      assert.equal(r.code === 0, c.expect === 'valid', `${c.name}: ${r.stderr}`);
      if (codes[c.name]) assert.equal(JSON.parse(r.stdout).code, codes[c.name], c.name);
    }
    checked++;
  }
  assert.equal(checked, manifest.cases.length);
});

test('sigil-conformance sign-bundle signs with an explicit token; the bundle verifies through verify-bundle', async () => {
  const tokenRes = await fetch(`${ciEnv.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`, { headers: { authorization: `bearer ${ciEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } });
  const token = (await tokenRes.json()).value;
  const blob = file('conf-blob');
  const bundle = join(tmp, 'conf.json');
  let r = await runSigil(['sign-bundle', '--identity-token', token, '--bundle', bundle, '--trusted-root', trustedRoot, '--signing-config', stack.signingConfigPath, blob], { ...noCi(), bin: conformanceBin });
  assert.equal(r.code, 0, r.stderr);
  const san = sanOf(bundle);
  r = await runSigil(['verify-bundle', '--bundle', bundle, '--certificate-identity', san, '--certificate-oidc-issuer', issuer, '--trusted-root', trustedRoot, blob], { ...noCi(), bin: conformanceBin });
  assert.equal(r.code, 0, r.stderr);
  r = await runSigil(['verify-bundle', '--bundle', bundle, '--certificate-identity', san, '--certificate-oidc-issuer', issuer, '--trusted-root', trustedRoot, `sha256:${'0'.repeat(64)}`], { ...noCi(), bin: conformanceBin });
  assert.equal(r.code, 1);
});

test('help teaches by example, lists exit codes; completion scripts cover the commands', async () => {
  let r = await runSigil(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Exit codes:/);
  for (const cmd of ['sign-blob', 'verify-blob', 'attest-blob', 'verify-blob-attestation', 'generate-key-pair', 'trusted-root', 'completion']) {
    assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
    const h = await runSigil([cmd, '--help']);
    assert.equal(h.code, 0, cmd);
    assert.match(h.stdout, /Examples?:/, `${cmd} --help has an example`);
  }
  for (const shell of ['bash', 'zsh', 'fish']) {
    r = await runSigil(['completion', shell]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /verify-blob-attestation/);
    assert.match(r.stdout, /certificate-identity-regexp/);
  }
  r = await runSigil(['completion', 'tcsh']);
  assert.equal(r.code, 2);
});

test('trust through TUF: sigil trusted-root, then sign-blob and verify-blob with only --tuf-mirror', async () => {
  const { TestTufRepository } = await import('../packages/client/dist/tuf/test-repo.js');
  const repo = new TestTufRepository();
  repo.setTarget('trusted_root.json', readFileSync(trustedRoot, 'utf8'));
  repo.setTarget('signing_config.v0.2.json', readFileSync(stack.signingConfigPath, 'utf8'));
  repo.publish();
  const server = await repo.serve();
  try {
    const rootFile = join(tmp, 'tuf-root.json');
    writeFileSync(rootFile, repo.initialRoot);
    const env = { ...noCi().env, XDG_CACHE_HOME: join(tmp, 'cache') };
    let r = await runSigil(['trusted-root', '--mirror', server.url, '--root', rootFile, '--out', join(tmp, 'tuf-trusted.json'), '--signing-config-out', join(tmp, 'tuf-signing.json')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'tuf-trusted.json'), 'utf8')), JSON.parse(readFileSync(trustedRoot, 'utf8')));
    const blob = file('tuf-blob');
    const bundle = join(tmp, 'tuf-bundle.json');
    const tuf = ['--tuf-mirror', server.url, '--tuf-root', rootFile];
    r = await runSigil(['sign-blob', blob, '--bundle', bundle, ...tuf], { env: { ...env, ...ciEnv } });
    assert.equal(r.code, 0, r.stderr);
    r = await runSigil(['verify-blob', blob, '--bundle', bundle, ...tuf, '--certificate-identity', sanOf(bundle), '--certificate-oidc-issuer', issuer], { env });
    assert.equal(r.code, 0, r.stderr);
  } finally { await server.close(); }
});

test('--fulcio-url/--rekor-url without a trusted root; a large file is streamed', async () => {
  // 256 MiB, written in pieces; each command's peak memory must stay well below the file's size.
  const MiB = 1024 * 1024;
  const big = join(tmp, 'big.bin');
  writeFileSync(big, '');
  for (let i = 0; i < 16; i++) appendFileSync(big, Buffer.alloc(16 * MiB, i));
  const probe = join(tmp, 'rss-probe.cjs');
  writeFileSync(probe, "process.on('exit', () => require('node:fs').writeFileSync(process.env.SIGIL_TEST_RSS_OUT, String(process.resourceUsage().maxRSS)));\n");
  const peakKiB = join(tmp, 'peak-rss');
  const measured = (o) => {
    rmSync(peakKiB, { force: true }); // each figure comes from the run just made
    return { ...o, env: { ...o.env, NODE_OPTIONS: `--require ${probe}`, SIGIL_TEST_RSS_OUT: peakKiB } };
  };
  const peakMiB = () => Number(readFileSync(peakKiB, 'utf8')) / 1024;
  const bundle = join(tmp, 'big.json');
  let r = await runSigil(['sign-blob', big, '--bundle', bundle, '--fulcio-url', stack.url, '--rekor-url', stack.url], measured(inCi()));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(peakMiB() < 180, `sign-blob of a 256 MiB file peaked at ${peakMiB().toFixed(0)} MiB`);
  r = await runSigil(['verify-blob', big, '--bundle', bundle, '--trusted-root', trustedRoot, '--certificate-identity', sanOf(bundle), '--certificate-oidc-issuer', issuer], measured(noCi()));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(peakMiB() < 180, `verify-blob of a 256 MiB file peaked at ${peakMiB().toFixed(0)} MiB`);
  r = await runSigil(['sign-blob', join(tmp, 'missing'), '--bundle', bundle, '--fulcio-url', stack.url, '--rekor-url', stack.url], inCi());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^sigil: .*no such file\n$/);
  r = await runSigil(['sign-blob', big, '--bundle', bundle, '--fulcio-url', stack.url, '--rekor-url', stack.url], { env: { ...noCi().env, CI: 'true' } });
  assert.equal(r.code, 5, `no token in a CI job: fails at once, no sign-in flow: ${r.stderr}`);
  assert.match(r.stderr, /SIGSTORE_ID_TOKEN/);
  r = await runSigil(['sign-blob', big, '--bundle', bundle, '--fulcio-url', 'http://127.0.0.1:1', '--rekor-url', stack.url], inCi());
  assert.equal(r.code, 75, `unreachable CA: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').filter((l) => !/: (done|failed) \(/.test(l)).length, 1, r.stderr);
});
