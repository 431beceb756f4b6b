// Container images in a real registry (Debian's docker-registry on loopback), against a real
// local stack: keyless and key-based signing in cosign's tag layout and as OCI referrers,
// attestations, two racing signers, multi-platform indexes, basic auth, and every tamper
// case the image verification must refuse, each with its own code.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startStack } from '../packages/cli/dist/stack/stack.js';
import {
  RegistryClient, parseSigningConfig, parseTrustedRoot, signImage, attestImage, verifyImage, verifyImageAttestations, attached,
} from '../packages/client/dist/index.js';
import { makeTestImage, makeTestIndex, pushTestImage, startRegistry, startProxy } from '../packages/client/dist/oci/test-registry.js';
import { runSigil } from './helpers.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-oci-'));
let stack, registry, authRegistry, client, services, trust, ciEnv, cfg, issuer, token;

before(async () => {
  [stack, registry, authRegistry] = await Promise.all([
    startStack({ dataDir: join(tmp, 'stack'), port: 0 }),
    startRegistry(),
    startRegistry({ auth: { user: 'ci', password: 's3cret' } }),
  ]);
  stack.writeTrustDocuments();
  client = new RegistryClient();
  services = parseSigningConfig(readFileSync(stack.signingConfigPath));
  trust = parseTrustedRoot(readFileSync(stack.trustedRootPath));
  ciEnv = stack.oidc.ciEnv();
  issuer = stack.oidc.ciIssuer;
  cfg = ['--signing-config', stack.signingConfigPath, '--trusted-root', stack.trustedRootPath];
  token = async () => (await (await fetch(`${ciEnv.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`, { headers: { authorization: `bearer ${ciEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } })).json()).value;
});
after(async () => {
  await Promise.all([stack?.close(), registry?.stop(), authRegistry?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

const noCi = () => { const env = { ...process.env, DOCKER_CONFIG: join(tmp, 'no-docker') }; delete env.ACTIONS_ID_TOKEN_REQUEST_URL; delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN; delete env.SIGSTORE_ID_TOKEN; return env; };
const inCi = () => ({ ...noCi(), ...ciEnv });
const keyless = () => ({ caUrl: services.ca, tlogUrls: services.tlogs, identityToken: token, trust, registry: client });
const withKey = (key) => ({ tlogUrls: services.tlogs, key, trust, registry: client });
const policy = () => ({ identityRegExp: '^https://github.com/.*', issuer });
const push = async (repo, tag, image = makeTestImage()) => ({ digest: await pushTestImage(client, `${registry.host}/${repo}`, image, tag), image });
const rejectsCode = async (p, code) => assert.rejects(p, (e) => { assert.equal(e.code, code, e.message); return true; });

test('CLI: keyless sign in a CI job (tag resolved, warned), verify by tag and digest, tree, triangulate, download', async () => {
  const { digest } = await push('app/cli', 'v1');
  const ref = `${registry.host}/app/cli`;
  let r = await runSigil(['sign', `${ref}:v1`, ...cfg], { env: inCi() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: .*resolved to ${digest}`), 'signing a tag names the digest signed');
  const v = (...args) => runSigil(['verify', ...args, '--trusted-root', stack.trustedRootPath, '--certificate-identity-regexp', '^https://github.com/.*', '--certificate-oidc-issuer', issuer], { env: noCi() });
  r = await v(`${ref}:v1`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Verified OK: 1 signature for /);
  r = await v(`${ref}@${digest}`, '--output', 'json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.digest, digest);
  assert.equal(out.signatures[0].layout, 'tag');
  assert.equal(out.signatures[0].dockerReference, ref);
  r = await runSigil(['verify', `${ref}:v1`, '--trusted-root', stack.trustedRootPath], { env: noCi() });
  assert.equal(r.code, 2, 'no identity policy: refused');
  r = await runSigil(['triangulate', `${ref}:v1`], { env: noCi() });
  assert.equal(r.stdout.trim(), `${ref}:sha256-${digest.slice(7)}.sig`);
  r = await runSigil(['tree', `${ref}:v1`], { env: noCi() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /signatures \(sha256-[0-9a-f]{64}\.sig\)/);
  r = await runSigil(['download', 'signature', `${ref}:v1`], { env: noCi() });
  const sig = JSON.parse(r.stdout.trim().split('\n')[0]);
  assert.equal(JSON.parse(Buffer.from(sig.Payload, 'base64')).critical.image['docker-manifest-digest'], digest);
  assert.match(sig.Cert, /BEGIN CERTIFICATE/);
  r = await runSigil(['download', 'attestation', `${ref}:v1`], { env: noCi() });
  assert.equal(r.code, 3, 'nothing to download');
});

test('key-based: generate-key-pair, sign --key, verify --key; another key fails', async () => {
  const env = { ...noCi(), COSIGN_PASSWORD: 'pw' };
  await runSigil(['generate-key-pair', '--output-key-prefix', join(tmp, 'img')], { env });
  await runSigil(['generate-key-pair', '--output-key-prefix', join(tmp, 'other')], { env });
  const { digest } = await push('app/key');
  const ref = `${registry.host}/app/key@${digest}`;
  let r = await runSigil(['sign', ref, '--key', join(tmp, 'img.key'), ...cfg], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/, 'a digest reference needs no warning');
  r = await runSigil(['verify', ref, '--key', join(tmp, 'img.pub'), '--trusted-root', stack.trustedRootPath], { env });
  assert.equal(r.code, 0, r.stderr);
  r = await runSigil(['verify', ref, '--key', join(tmp, 'other.pub'), '--trusted-root', stack.trustedRootPath], { env });
  assert.equal(r.code, 1, r.stderr);
});

test('two signers racing on one image both keep their signature', async () => {
  const { digest } = await push('app/race');
  const ref = `${registry.host}/app/race@${digest}`;
  const keys = [generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ec', { namedCurve: 'P-256' })];
  await Promise.all([signImage(ref, withKey(keys[0])), signImage(ref, withKey(keys[1])), signImage(ref, keyless())]);
  for (const k of keys) assert.equal((await verifyImage(ref, { registry: client, trust, policy: { publicKey: k.publicKey } })).verified.length, 1);
  assert.equal((await verifyImage(ref, { registry: client, trust, policy: policy() })).verified.length, 1);
  assert.equal((await attached(client, ref)).signatures.layers.length, 3);
});

test('attest SLSA provenance (both layouts), verify-attestation by type', async () => {
  const { digest } = await push('app/att', 'v2');
  const ref = `${registry.host}/app/att`;
  writeFileSync(join(tmp, 'prov.json'), JSON.stringify({ buildDefinition: { buildType: 'x' }, runDetails: { builder: { id: 'y' } } }));
  let r = await runSigil(['attest', `${ref}@${digest}`, '--predicate', join(tmp, 'prov.json'), '--type', 'slsaprovenance1', ...cfg], { env: inCi() });
  assert.equal(r.code, 0, r.stderr);
  const va = (...args) => runSigil(['verify-attestation', `${ref}:v2`, '--trusted-root', stack.trustedRootPath, '--certificate-identity-regexp', '^https://github.com/.*', '--certificate-oidc-issuer', issuer, ...args], { env: noCi() });
  r = await va('--type', 'slsaprovenance1', '--output', 'json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).signatures[0].predicateType, 'https://slsa.dev/provenance/v1');
  r = await va('--type', 'vuln');
  assert.equal(r.code, 1, 'no vuln attestation');
  r = await runSigil(['verify', `${ref}:v2`, '--trusted-root', stack.trustedRootPath, '--certificate-identity-regexp', '.*', '--certificate-oidc-issuer', issuer], { env: noCi() });
  assert.equal(r.code, 1, 'an attestation is not a signature');
  // The OCI 1.1 layout: docker-registry has no referrers API, so the tag-schema index is used.
  await attestImage(`${ref}@${digest}`, { type: 'spdxjson', predicate: Buffer.from('{"spdxVersion":"SPDX-2.3"}') }, { ...keyless(), layout: 'referrers' });
  const got = await verifyImageAttestations(`${ref}@${digest}`, { registry: client, trust, policy: policy(), predicateType: 'https://spdx.dev/Document' });
  assert.equal(got.verified[0].layout, 'referrers');
  assert.ok((await client.headManifest(`${ref}:sha256-${digest.slice(7)}`)), 'referrers tag-schema index written');
});

test('referrers layout signature (--new-bundle-format) and --recursive over a multi-platform index', async () => {
  const images = [makeTestImage({ platform: { os: 'linux', architecture: 'amd64' } }), makeTestImage({ platform: { os: 'linux', architecture: 'arm64' } })];
  const repo = `${registry.host}/app/multi`;
  for (const i of images) await pushTestImage(client, repo, i);
  const index = makeTestIndex(images);
  const digest = await client.putManifest(repo, 'latest', index.bytes, index.mediaType);
  let r = await runSigil(['sign', `${repo}@${digest}`, '--recursive', '--new-bundle-format', ...cfg], { env: inCi() });
  assert.equal(r.code, 0, r.stderr);
  for (const d of [digest, ...images.map((i) => i.manifest.digest)]) {
    const v = await verifyImage(`${repo}@${d}`, { registry: client, trust, policy: policy() });
    assert.equal(v.verified[0].layout, 'referrers', d);
  }
  r = await runSigil(['tree', `${repo}@${digest}`], { env: noCi() });
  assert.match(r.stdout, /referrers[\s\S]*sigstore.dev\/cosign\/sign\/v1/);
});

test('tampering: a payload for another digest, a re-tagged image, a swapped or altered layer, a missing Rekor entry', async () => {
  const a = await push('app/tamper', 'release');
  const b = await push('app/tamper');
  const repo = `${registry.host}/app/tamper`;
  await signImage(`${repo}@${a.digest}`, keyless());
  await signImage(`${repo}@${b.digest}`, keyless());
  const sigOf = async (d) => (await client.getManifest(`${repo}:sha256-${d.slice(7)}.sig`));
  const putSig = (d, manifest) => client.putManifest(repo, `sha256-${d.slice(7)}.sig`, Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json');
  const verify = (ref) => verifyImage(ref, { registry: client, trust, policy: policy() });
  const sigA = JSON.parse((await sigOf(a.digest)).bytes);
  const sigB = JSON.parse((await sigOf(b.digest)).bytes);

  // 1. A's valid signature copied under B: its payload names A.
  const c = await push('app/tamper');
  await putSig(c.digest, sigA);
  await rejectsCode(verify(`${repo}@${c.digest}`), 'ERR_VERIFY_IMAGE_DIGEST');
  // 2. The tag moves to an unsigned image.
  const moved = await push('app/tamper', 'release');
  await rejectsCode(verify(`${repo}:release`), 'ERR_VERIFY_NO_SIGNATURES');
  assert.notEqual(moved.digest, a.digest);
  // 3. B's signature layer swapped for A's payload blob, B's annotations kept.
  const swapped = structuredClone(sigB);
  swapped.layers[0].digest = sigA.layers[0].digest;
  swapped.layers[0].size = sigA.layers[0].size;
  await putSig(b.digest, swapped);
  await rejectsCode(verify(`${repo}@${b.digest}`), 'ERR_VERIFY_IMAGE_DIGEST');
  // 4. No Rekor entry.
  const bare = structuredClone(sigB);
  delete bare.layers[0].annotations['dev.sigstore.cosign/bundle'];
  await putSig(b.digest, bare);
  await rejectsCode(verify(`${repo}@${b.digest}`), 'ERR_VERIFY_BUNDLE');
  // 5. A registry (here a proxy) that serves other bytes for the payload blob.
  await putSig(b.digest, sigB);
  const proxy = await startProxy(registry.url, {
    alter: (req, answer) => (req.url.includes(`/blobs/${sigB.layers[0].digest}`) ? { ...answer, body: Buffer.from(answer.body.toString().replace('cosign', 'cosigm')) } : undefined),
  });
  try {
    await rejectsCode(verifyImage(`${proxy.host}/app/tamper@${b.digest}`, { registry: client, trust, policy: policy() }), 'ERR_OCI_DIGEST');
  } finally { await proxy.stop(); }
  // And B still verifies once its manifest is restored.
  assert.equal((await verify(`${repo}@${b.digest}`)).verified.length, 1);
  // 6. The image and its signature copied to another repository: the payload names the first.
  const copy = `${registry.host}/app/copy`;
  await pushTestImage(client, copy, b.image);
  const tag = `sha256-${b.digest.slice(7)}.sig`;
  for (const d of [sigB.config, ...sigB.layers]) await client.pushBlob(copy, await client.getBlob(repo, d.digest));
  await client.putManifest(copy, tag, (await client.getManifest(`${repo}:${tag}`)).bytes, 'application/vnd.oci.image.manifest.v1+json');
  await rejectsCode(verify(`${copy}@${b.digest}`), 'ERR_VERIFY_IMAGE_REFERENCE');
  assert.equal((await verifyImage(`${copy}@${b.digest}`, { registry: client, trust, policy: policy(), allowReferenceMismatch: true })).verified.length, 1);
});

test('a registry with basic auth: credentials from DOCKER_CONFIG; none → exit 5', async () => {
  const dockerDir = join(tmp, 'docker');
  mkdirSync(dockerDir, { recursive: true });
  writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ auths: { [authRegistry.host]: { auth: Buffer.from('ci:s3cret').toString('base64') } } }));
  const authed = new RegistryClient({ credentials: async (host) => (host === authRegistry.host ? { username: 'ci', password: 's3cret' } : undefined) });
  const image = makeTestImage();
  const digest = await pushTestImage(authed, `${authRegistry.host}/private/app`, image);
  const ref = `${authRegistry.host}/private/app@${digest}`;
  let r = await runSigil(['sign', ref, ...cfg], { env: { ...inCi(), DOCKER_CONFIG: dockerDir } });
  assert.equal(r.code, 0, r.stderr);
  r = await runSigil(['verify', ref, '--trusted-root', stack.trustedRootPath, '--certificate-identity-regexp', '.*', '--certificate-oidc-issuer', issuer], { env: { ...noCi(), DOCKER_CONFIG: dockerDir } });
  assert.equal(r.code, 0, r.stderr);
  r = await runSigil(['verify', ref, '--trusted-root', stack.trustedRootPath, '--certificate-identity-regexp', '.*', '--certificate-oidc-issuer', issuer], { env: noCi() });
  assert.equal(r.code, 5, r.stderr);
});
