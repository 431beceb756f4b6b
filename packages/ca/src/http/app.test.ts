import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign as nodeSign, webcrypto, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { SigilError } from '@sigil/core';
import { CertificateAuthority } from '../authority.js';
import { ephemeralCaSigner } from '../key-backend/ephemeral.js';
import type { CaSigner } from '../key-backend/signer.js';
import { caTrustedRootEntry } from '../trusted-root.js';
import { sanOf, sigstoreExtensionsOf, startTestIssuer, x509, type TestIssuer } from '../test-support.js';
import { TokenVerifier } from '../token.js';
import { buildCaApp } from './app.js';

let A: TestIssuer; // email
let B: TestIssuer; // github-workflow
let C: TestIssuer; // discovery redirects to A (another origin)
let D: TestIssuer; // discovery names another issuer
let signer: CaSigner;
let ca: CertificateAuthority;
let app: FastifyInstance;
let base: string;
const fetched: string[] = [];
const logLines: string[] = [];

before(async () => {
  A = await startTestIssuer();
  B = await startTestIssuer();
  C = await startTestIssuer({ redirectTo: `${A.url}/.well-known/openid-configuration` });
  D = await startTestIssuer({ claimIssuer: 'https://other.example' });
  signer = await ephemeralCaSigner();
  const countingFetch: typeof fetch = (input, init) => {
    fetched.push(input instanceof Request ? input.url : String(input));
    return fetch(input, init);
  };
  ca = await CertificateAuthority.create({
    signer,
    issuers: {
      OIDCIssuers: {
        [A.url]: { IssuerURL: A.url, ClientID: 'sigstore', Type: 'email' },
        [B.url]: { Type: 'github-workflow' },
        [C.url]: { Type: 'email' },
        [D.url]: { Type: 'email' },
      },
      MetaIssuers: { [`${A.url}/tenants/*`]: { Type: 'email' } },
    },
    fetch: countingFetch,
    token: { jwksCooldownMs: 0 },
  });
  app = await buildCaApp(ca, { logger: { level: 'trace', stream: { write: (line: string) => void logLines.push(line) } } });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await app?.close();
  for (const s of [A, B, C, D]) await s?.close();
});

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const prove = (key: KeyObject, challenge: string, hash = 'sha256') => nodeSign(key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? null : hash, Buffer.from(challenge), key).toString('base64');
const emailClaims = { sub: 'user-1', email: 'ada@example.com', email_verified: true };

function keyRequest(token: string | undefined, keys: { publicKey: KeyObject; privateKey: KeyObject }, challenge: string, hash?: string) {
  return {
    ...(token === undefined ? {} : { credentials: { oidcIdentityToken: token } }),
    publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: pem(keys.publicKey) }, proofOfPossession: prove(keys.privateKey, challenge, hash) },
  };
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v2/signingCert`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined, ms: performance.now() - t0 };
}

function assertRejected(r: { status: number; json: any }, status: number, message: RegExp, what: string): void {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
  assert.equal(r.json.code, status, what);
  assert.match(r.json.message, message, what);
  assert.equal(r.json.signedCertificateEmbeddedSct, undefined, `${what}: no certificate`);
}

function issuedLeaf(r: { status: number; json: any }): { leaf: x509.X509Certificate; chain: string[] } {
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const chain = r.json.signedCertificateEmbeddedSct.chain.certificates as string[];
  assert.equal(chain.length, 3, 'leaf, intermediate, root');
  const [leaf, inter, root] = chain.map((c) => new X509Certificate(c)) as [X509Certificate, X509Certificate, X509Certificate];
  assert.ok(leaf.checkIssued(inter) && leaf.verify(inter.publicKey), 'leaf signed by the intermediate');
  assert.ok(inter.checkIssued(root) && inter.verify(root.publicKey), 'intermediate signed by the root');
  assert.ok(root.checkIssued(root) && root.verify(root.publicKey), 'root self-signed');
  assert.equal(inter.ca && root.ca, true);
  assert.equal(leaf.ca, false);
  return { leaf: new x509.X509Certificate(chain[0]!), chain };
}

void test('an email token and a proven key get a Fulcio leaf chaining to the root', async () => {
  const keys = p256();
  const token = await A.sign(emailClaims);
  const { leaf } = issuedLeaf(await post(keyRequest(token, keys, 'ada@example.com')));
  assert.equal(leaf.notAfter.getTime() - leaf.notBefore.getTime(), 600_000, 'ten minutes');
  assert.ok(Math.abs(leaf.notBefore.getTime() - Date.now()) < 5000);
  assert.equal(leaf.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.digitalSignature);
  assert.equal(leaf.getExtension(x509.KeyUsagesExtension)!.critical, true);
  assert.deepEqual([...leaf.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [x509.ExtendedKeyUsage.codeSigning]);
  assert.deepEqual(sanOf(leaf), { type: 'email', value: 'ada@example.com', critical: true, count: 1 });
  assert.deepEqual(sigstoreExtensionsOf(leaf), {
    '1.3.6.1.4.1.57264.1.1': { value: A.url, encoding: 'raw' },
    '1.3.6.1.4.1.57264.1.8': { value: A.url, encoding: 'utf8string' },
  });
  assert.ok(Buffer.from(leaf.publicKey.rawData).equals(keys.publicKey.export({ type: 'spki', format: 'der' })), 'certifies the proven key');
  // The token may come as a bearer header instead (Fulcio's HTTP gateway).
  issuedLeaf(await post(keyRequest(undefined, keys, 'ada@example.com'), { authorization: `Bearer ${await A.sign(emailClaims)}` }));
  // Proto field names (snake_case) are accepted as protojson does.
  issuedLeaf(await post({
    credentials: { oidc_identity_token: await A.sign(emailClaims) },
    public_key_request: { public_key: { algorithm: 'ECDSA', content: pem(keys.publicKey) }, proof_of_possession: prove(keys.privateKey, 'ada@example.com') },
  }));
  // A token that expired less than the 60 s skew ago is still accepted.
  issuedLeaf(await post(keyRequest(await A.sign({ ...emailClaims, exp: Math.floor(Date.now() / 1000) - 30 }), keys, 'ada@example.com')));
});

void test('a GitHub Actions token gets the workflow identity; the proof is over sub', async () => {
  const claims = {
    sub: 'repo:acme/app:ref:refs/tags/v1.2.0', event_name: 'push', sha: 'a'.repeat(40), workflow: 'Release', repository: 'acme/app', ref: 'refs/tags/v1.2.0',
    job_workflow_ref: 'acme/app/.github/workflows/release.yml@refs/tags/v1.2.0', job_workflow_sha: 'b'.repeat(40), runner_environment: 'github-hosted',
    repository_id: '1', repository_owner: 'acme', repository_owner_id: '2', repository_visibility: 'public', workflow_ref: 'acme/app/.github/workflows/release.yml@refs/tags/v1.2.0',
    workflow_sha: 'b'.repeat(40), run_id: '99', run_attempt: '1', environment: 'production',
  };
  const keys = p256();
  const { leaf } = issuedLeaf(await post(keyRequest(await B.sign(claims), keys, claims.sub)));
  assert.equal(sanOf(leaf).value, 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0');
  const ext = sigstoreExtensionsOf(leaf);
  assert.equal(ext['1.3.6.1.4.1.57264.1.1']!.value, B.url);
  assert.equal(ext['1.3.6.1.4.1.57264.1.8']!.value, B.url);
  assert.equal(ext['1.3.6.1.4.1.57264.1.21']!.value, 'https://github.com/acme/app/actions/runs/99/attempts/1');
  assert.equal(ext['1.3.6.1.4.1.57264.1.23']!.value, 'production');
  const noSha: Record<string, unknown> = { ...claims };
  delete noSha.sha;
  assertRejected(await post(keyRequest(await B.sign(noSha), keys, claims.sub)), 400, /identity token: missing sha claim in ID token/, 'missing sha');
  assertRejected(await post(keyRequest(await B.sign(claims), keys, 'ada@example.com')), 400, /^The signature supplied in the request could not be verified: .*over the token's sub claim/, 'proof over the wrong subject');
});

void test('keys: P-384 (SHA-384), Ed25519, RSA-2048 and a CSR are accepted; weak or malformed keys are not', async () => {
  const token = () => A.sign(emailClaims);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  issuedLeaf(await post(keyRequest(await token(), p384, 'ada@example.com', 'sha384')));
  assertRejected(await post(keyRequest(await token(), p384, 'ada@example.com', 'sha256')), 400, /ECDSA P-384 with SHA-384/, 'P-384 proof must use SHA-384');
  issuedLeaf(await post(keyRequest(await token(), generateKeyPairSync('ed25519'), 'ada@example.com')));
  issuedLeaf(await post(keyRequest(await token(), generateKeyPairSync('rsa', { modulusLength: 2048 }), 'ada@example.com')));

  const weak: Array<[string, { publicKey: KeyObject; privateKey: KeyObject }, RegExp]> = [
    ['P-192', generateKeyPairSync('ec', { namedCurve: 'prime192v1' }), /insecure: unsupported key: unsupported elliptic curve/],
    ['RSA-1024', generateKeyPairSync('rsa', { modulusLength: 1024 }), /insecure: unsupported key: unsupported RSA key size 1024/],
    ['Ed448', generateKeyPairSync('ed448'), /insecure: unsupported key: unsupported key type ed448/],
  ];
  for (const [name, keys, re] of weak) assertRejected(await post(keyRequest(await token(), keys, 'ada@example.com')), 400, re, name);

  const withContent = async (content: string) => post({ credentials: { oidcIdentityToken: await token() }, publicKeyRequest: { publicKey: { content }, proofOfPossession: 'AAAA' } });
  assertRejected(await withContent('-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n'), 400, /^The public key supplied in the request could not be parsed/, 'malformed PEM');
  assertRejected(await withContent('hello'), 400, /could not be parsed: error parsing PEM or DER/, 'not a key');
  assertRejected(await withContent(Buffer.from('not der').toString('base64')), 400, /could not be parsed: not a valid PKIX/, 'bad DER');
  assertRejected(await post({ credentials: { oidcIdentityToken: await token() } }), 400, /could not be parsed: public key not provided/, 'no key');

  const other = p256();
  const mine = p256();
  const forged = { ...keyRequest(await token(), mine, 'ada@example.com') };
  forged.publicKeyRequest.proofOfPossession = prove(other.privateKey, 'ada@example.com');
  assertRejected(await post(forged), 400, /^The signature supplied in the request could not be verified/, 'proof signed by another key');
  assertRejected(await post({ ...forged, publicKeyRequest: { ...forged.publicKeyRequest, proofOfPossession: '***' } }), 400, /not base64/, 'proof not base64');
});

void test('certificate signing requests: accepted when self-signed by their key, refused otherwise', async () => {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=ignored, O=evil', keys, signingAlgorithm: alg });
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  const req = async (certificateSigningRequest: string) => post({ credentials: { oidcIdentityToken: await A.sign(emailClaims) }, certificateSigningRequest });
  const { leaf } = issuedLeaf(await req(b64(csr.toString('pem'))));
  assert.ok(Buffer.from(leaf.publicKey.rawData).equals(Buffer.from(csr.publicKey.rawData)), 'the CSR key is certified');
  assert.equal(leaf.subject, '', 'the CSR subject is ignored');
  assert.equal(sanOf(leaf).value, 'ada@example.com');

  assertRejected(await req(b64('hello')), 400, /^The certificate signing request could not be parsed/, 'malformed CSR');
  assertRejected(await req('!!!'), 400, /certificate signing request could not be parsed/, 'not base64');
  assertRejected(await req(b64('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n')), 400, /could not be parsed/, 'truncated CSR');
  const other = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const mixed = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: { publicKey: keys.publicKey, privateKey: other.privateKey }, signingAlgorithm: alg });
  assertRejected(await req(b64(mixed.toString('pem'))), 400, /self-signature does not verify/, 'CSR signed by another key');
  const sha384 = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys, signingAlgorithm: { ...alg, hash: 'SHA-384' } });
  assertRejected(await req(b64(sha384.toString('pem'))), 400, /signing algorithm not permitted/, 'P-256 CSR signed with SHA-384');
  const rsa = await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign', 'verify']);
  const weak = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: rsa, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } });
  assertRejected(await req(b64(weak.toString('pem'))), 400, /insecure: unsupported key: unsupported RSA key size 1024/, 'RSA-1024 CSR');
});

void test('token rejections: each says what was wrong and issues nothing', async () => {
  const keys = p256();
  const now = Math.floor(Date.now() / 1000);
  const send = async (token: string, challenge = 'ada@example.com') => post(keyRequest(token, keys, challenge));
  const cases: Array<[string, Promise<string> | string, RegExp]> = [
    ['expired', A.sign({ ...emailClaims, exp: now - 120 }), /identity token: token expired/],
    ['nbf in the future', A.sign({ ...emailClaims, nbf: now + 300 }), /not yet valid: nbf/],
    ['iat in the future', A.sign({ ...emailClaims, iat: now + 300 }), /not yet valid: iat/],
    ['no exp', A.sign(emailClaims, { omit: ['exp'] }), /token has no exp claim/],
    ['wrong audience', A.sign({ ...emailClaims, aud: 'sigstore-evil' }), /audience mismatch/],
    ['audience array without sigstore', A.sign({ ...emailClaims, aud: ['other', 'sigstore-evil'] }), /audience mismatch/],
    ['unknown issuer', A.sign({ ...emailClaims, iss: 'https://unknown.example' }), /unknown issuer "https:\/\/unknown.example"/],
    ['bad signature', (async () => A.sign(emailClaims, { key: (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])).privateKey }))(), /bad signature/],
    ['email_verified false', A.sign({ ...emailClaims, email_verified: false }), /email not verified.*got false/],
    ['email_verified missing', A.sign({ sub: 'x', email: 'ada@example.com' }), /email not verified.*missing/],
    ['email_verified "false"', A.sign({ ...emailClaims, email_verified: 'false' }), /email not verified.*string "false"/],
    ['email_verified "true" (a string)', A.sign({ ...emailClaims, email_verified: 'true' }), /email not verified/],
    ['no email', A.sign({ sub: 'x', email_verified: true }), /missing email claim/],
    ['discovery names another issuer', D.sign(emailClaims), /names another issuer/],
    ['garbage', 'not-a-jwt', /malformed token/],
    ['header not JSON', 'bm90anNvbg.e30.c2ln', /header is not base64url JSON/],
  ];
  for (const [what, token, re] of cases) assertRejected(await send(await token), 400, re, what);

  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { iss: A.url, aud: 'sigstore', iat: now, exp: now + 300, ...emailClaims };
  assertRejected(await send(`${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`), 400, /signing algorithm "none" is not allowed/, 'alg none');
  const publicPem = createPublicKey({ key: A.publicJwk as unknown as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: A.kid }).sign(Buffer.from(publicPem));
  assertRejected(await send(hs), 400, /signing algorithm "HS256" is not allowed/, 'HS256 with the public key as secret');

  assertRejected(await post({ publicKeyRequest: keyRequest('x', keys, 'x').publicKeyRequest }), 400, /no identity token/, 'no token');
  assert.ok(!fetched.some((u) => u.includes('unknown.example')), 'nothing fetched from an unconfigured issuer');
});

void test('an unknown kid makes the JWKS be fetched again, then fails cleanly', async () => {
  const keys = p256();
  issuedLeaf(await post(keyRequest(await A.sign(emailClaims), keys, 'ada@example.com')));
  const before = A.hits.jwks;
  assertRejected(await post(keyRequest(await A.sign(emailClaims, { kid: 'rotated-away' }), keys, 'ada@example.com')), 400, /no key in the issuer's JWKS matches the token \(kid "rotated-away"\)/, 'unknown kid');
  assert.ok(A.hits.jwks > before, 'the JWKS was refetched');
});

void test('discovery redirects to another host are refused (GHSA-f5mr-q85p-6hh6)', async () => {
  const keys = p256();
  const mark = fetched.length;
  assertRejected(await post(keyRequest(await C.sign(emailClaims), keys, 'ada@example.com')), 400, /OIDC discovery .* failed: redirected from .* to another host .*cross-host redirects are not followed/, 'redirect');
  assert.deepEqual(fetched.slice(mark), [`${C.url}/.well-known/openid-configuration`], 'the redirect target was not fetched');
  // The failure is remembered briefly: more bad tokens do not make the CA fetch again.
  assertRejected(await post(keyRequest(await C.sign(emailClaims), keys, 'ada@example.com')), 400, /cross-host redirects are not followed/, 'again');
  assert.equal(fetched.length, mark + 1);
});

void test('meta-issuers match whole URLs only (GHSA-59jp-pj84-45mr)', async () => {
  const keys = p256();
  const tenant = `${A.url}/tenants/acme`;
  const { leaf } = issuedLeaf(await post(keyRequest(await A.sign({ ...emailClaims, iss: tenant }), keys, 'ada@example.com')));
  assert.equal(sigstoreExtensionsOf(leaf)['1.3.6.1.4.1.57264.1.8']!.value, tenant);
  const mark = fetched.length;
  for (const iss of [`http://evil.example/?x=${tenant}`, `http://evil.example/${tenant}`, `${tenant}/more`, `${tenant}.evil.example`, `${A.url}/tenants/`]) {
    assertRejected(await post(keyRequest(await A.sign({ ...emailClaims, iss }), keys, 'ada@example.com')), 400, /unknown issuer/, iss);
  }
  assert.deepEqual(fetched.slice(mark), [], 'no discovery for unmatched issuers');
});

void test('bounded inputs: dot tokens, long headers and oversize bodies are refused fast', async () => {
  const verifier = new TokenVerifier({ registry: ca.registry });
  for (const [what, token] of [['1 MB of dots', '.'.repeat(1 << 20)], ['10,000 segments', 'a.'.repeat(10_000)], ['15 KB header', `${'e'.repeat(15_000)}.e30.c2ln`]] as const) {
    const t0 = performance.now();
    await assert.rejects(verifier.verify(token), (e: unknown) => e instanceof SigilError && e.httpStatus === 400, what);
    assert.ok(performance.now() - t0 < 100, `${what} refused in under 100 ms`);
  }
  const dots = await post({ credentials: { oidcIdentityToken: '.'.repeat(60_000) } });
  assert.equal(dots.status, 400, 'a 60 KB dot token in the body');
  assert.ok(dots.ms < 100, `answered in ${dots.ms.toFixed(1)} ms`);
  const huge = await post({ credentials: { oidcIdentityToken: '.'.repeat(1 << 20) } });
  assertRejected(huge, 413, /Request body is too large/, '1 MB body');
  assert.equal(huge.json.error, 'ERR_BODY_TOO_LARGE');
  assertRejected(await post({ credentials: { oidcIdentityToken: 'x' }, extra: 1 }), 400, /invalid request/, 'unknown field');
  assertRejected(await post({ credentials: { oidcIdentityToken: 'x', nonce: 1 } }), 400, /invalid request/, 'unknown nested field');
  assertRejected(await post('{"credentials":'), 400, /./, 'truncated JSON');
});

void test('trust bundle, configuration and the trusted-root entry', async () => {
  const tb = (await (await fetch(`${base}/api/v2/trustBundle`)).json()) as { chains: Array<{ certificates: string[] }> };
  assert.equal(tb.chains.length, 1);
  assert.deepEqual(tb.chains[0]!.certificates, ca.chainPem);
  const cfg = (await (await fetch(`${base}/api/v2/configuration`)).json()) as { issuers: Array<Record<string, unknown>> };
  assert.deepEqual(cfg.issuers[0], { issuerUrl: A.url, audience: 'sigstore', challengeClaim: 'email', issuerType: 'email' });
  assert.deepEqual(cfg.issuers.at(-1), { wildcardIssuerUrl: `${A.url}/tenants/*`, audience: 'sigstore', challengeClaim: 'email', issuerType: 'email' });
  const entry = caTrustedRootEntry(ca, { uri: base });
  assert.deepEqual(entry.subject, { organization: 'sigil', commonName: 'sigil' });
  assert.equal(entry.uri, base);
  assert.deepEqual(entry.certChain.certificates.map((c) => c.rawBytes), signer.chain.map((c) => Buffer.from(c.rawData).toString('base64')));
  assert.match(entry.validFor.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const notFound = await fetch(`${base}/api/v2/nothing`);
  assert.equal(notFound.status, 404);
});

void test('a signer that cannot sign answers 503 and issues nothing (RS-39)', async () => {
  const down: CaSigner = {
    chain: signer.chain,
    signTbs: () => Promise.reject(new SigilError('ERR_CA_UNAVAILABLE', 'HSM unreachable')),
    check: () => Promise.reject(new SigilError('ERR_CA_UNAVAILABLE', 'HSM unreachable')),
  };
  const broken = await CertificateAuthority.create({ signer: down, issuers: { OIDCIssuers: { [A.url]: { Type: 'email' } } } });
  const app2 = await buildCaApp(broken);
  const keys = p256();
  const r = await app2.inject({ method: 'POST', url: '/api/v2/signingCert', payload: keyRequest(await A.sign(emailClaims), keys, 'ada@example.com') });
  assert.equal(r.statusCode, 503);
  assert.equal(r.headers['retry-after'], '1');
  assert.deepEqual(r.json(), { code: 503, message: 'error communicating with CA backend: HSM unreachable', error: 'ERR_CA_UNAVAILABLE' });
  const health = await app2.inject({ url: '/healthz' });
  assert.equal(health.statusCode, 503, 'the health check fails too');
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  await app2.close();
});

void test('tokens never reach the log, even at trace level', async () => {
  const keys = p256();
  const good = await A.sign(emailClaims);
  const bearer = await A.sign(emailClaims);
  const expired = await A.sign({ ...emailClaims, exp: Math.floor(Date.now() / 1000) - 3600 });
  const mark = logLines.length;
  issuedLeaf(await post(keyRequest(good, keys, 'ada@example.com')));
  issuedLeaf(await post(keyRequest(undefined, keys, 'ada@example.com'), { authorization: `Bearer ${bearer}` }));
  assertRejected(await post(keyRequest(expired, keys, 'ada@example.com')), 400, /expired/, 'expired');
  assertRejected(await post(keyRequest(undefined, keys, 'ada@example.com'), { authorization: `Bearer ${expired}` }), 400, /expired/, 'expired bearer');
  const text = logLines.slice(mark).join('');
  assert.match(text, /incoming request/, 'the logger did run at trace level');
  assert.match(text, /token expired/, 'the refusal reason is logged');
  for (const t of [good, bearer, expired]) {
    for (const part of t.split('.')) assert.ok(!text.includes(part), 'no part of a token is logged');
  }
  const all = logLines.join('');
  for (const t of [good, bearer, expired]) assert.ok(!all.includes(t.split('.')[2]!));
});

void test('mounted beside other routes on one Fastify instance (as the stack does)', async () => {
  const { default: Fastify } = await import('fastify');
  const { registerCaRoutes } = await import('./app.js');
  const shared = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } } });
  shared.setErrorHandler((_e, _r, reply) => reply.code(599).send({ from: 'the host' }));
  shared.get('/api/v1/log', () => ({ treeSize: 0 }));
  await shared.register(async (scope) => registerCaRoutes(scope, ca));
  const keys = p256();
  const ok = await shared.inject({ method: 'POST', url: '/api/v2/signingCert', payload: keyRequest(await A.sign(emailClaims), keys, 'ada@example.com') });
  assert.equal(ok.statusCode, 200, ok.body);
  const bad = await shared.inject({ method: 'POST', url: '/api/v2/signingCert', payload: keyRequest(await A.sign({ ...emailClaims, aud: 'x' }), keys, 'ada@example.com') });
  assert.equal(bad.statusCode, 400, 'the CA answers its own errors');
  assert.match(bad.json().message, /audience mismatch/);
  const big = await shared.inject({ method: 'POST', url: '/api/v2/signingCert', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'y'.repeat(70_000) }) });
  assert.equal(big.statusCode, 413, 'the CA keeps its own body limit');
  assert.equal((await shared.inject({ url: '/api/v1/log' })).statusCode, 200);
  await shared.close();
});
