#!/usr/bin/env node
// Image benchmark: one image signed and verified end to end (keyless, cosign tag layout)
// against a local stack and Debian's docker-registry on loopback, p50/p90; then verifying an
// image that carries 100 signatures (every one checked). Usage: node bench/oci.bench.mjs [--quick]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../packages/cli/dist/stack/stack.js';
import { RegistryClient, parseSigningConfig, parseTrustedRoot, prepareBundle, signBlob, signImage, simpleSigningPayload, verifyBundle, verifyImage } from '../packages/client/dist/index.js';
import { layerToBundle } from '../packages/client/dist/image/cosign-layout.js';
import { makeTestImage, pushTestImage, startProxy, startRegistry } from '../packages/client/dist/oci/test-registry.js';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 5 : 20;
const pct = (s, q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
const dir = mkdtempSync(join(tmpdir(), 'sigil-oci-bench-'));
const [stack, registry] = await Promise.all([startStack({ dataDir: join(dir, 'stack'), port: 0 }), startRegistry()]);
try {
  stack.writeTrustDocuments();
  const services = parseSigningConfig(readFileSync(stack.signingConfigPath));
  const trust = parseTrustedRoot(readFileSync(stack.trustedRootPath));
  const env = stack.oidc.ciEnv();
  const identityToken = async () => (await (await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`, { headers: { authorization: `bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } })).json()).value;
  const client = new RegistryClient();
  const policy = { identityRegExp: '^https://github.com/.*', issuer: stack.oidc.ciIssuer };
  const repo = `${registry.host}/bench/app`;

  const sign = [], verify = [], total = [], keylessOnly = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const digest = await pushTestImage(client, repo, makeTestImage());
    const t0 = performance.now();
    await signImage(`${repo}@${digest}`, { caUrl: services.ca, tlogUrls: services.tlogs, identityToken, trust, registry: client });
    const t1 = performance.now();
    const v = await verifyImage(`${repo}@${digest}`, { registry: client, trust, policy });
    const t2 = performance.now();
    if (v.verified.length !== 1) throw new Error('did not verify');
    // The keyless part alone (token, certificate, log entry) on the same payload bytes.
    const t3 = performance.now();
    await signBlob({ bytes: simpleSigningPayload(repo, digest) }, { caUrl: services.ca, tlogUrls: services.tlogs, identityToken, trust });
    const t4 = performance.now();
    if (i < 2) continue; // warm-up
    sign.push(t1 - t0); verify.push(t2 - t1); total.push(t2 - t0); keylessOnly.push(t4 - t3);
  }
  for (const a of [sign, verify, total, keylessOnly]) a.sort((x, y) => x - y);

  // Registry requests of one signing and one verification, counted through a forwarding proxy.
  const requests = { sign: 0, verify: 0 };
  let counting = 'sign';
  const proxy = await startProxy(registry.url, { intercept: () => { requests[counting]++; return undefined; } });
  const viaProxy = `${proxy.host}/bench/app`;
  const counted = await pushTestImage(client, viaProxy, makeTestImage());
  requests.sign = 0;
  await signImage(`${viaProxy}@${counted}`, { caUrl: services.ca, tlogUrls: services.tlogs, identityToken, trust, registry: client });
  counting = 'verify';
  await verifyImage(`${viaProxy}@${counted}`, { registry: client, trust, policy });
  await proxy.stop();

  // 100 keyless signatures on one image (100 signers: ECDSA signing is deterministic, so one
  // key would make one signature); each is verified against the policy.
  const many = await pushTestImage(client, repo, makeTestImage());
  for (let i = 0; i < 100; i++) await signImage(`${repo}@${many}`, { caUrl: services.ca, tlogUrls: services.tlogs, identityToken, trust, registry: client });
  const hundred = [];
  for (let i = 0; i < (QUICK ? 3 : 8); i++) {
    const t = performance.now();
    const v = await verifyImage(`${repo}@${many}`, { registry: client, trust, policy });
    hundred.push(performance.now() - t);
    if (v.verified.length !== 100) throw new Error(`verified ${v.verified.length} of 100`);
  }
  hundred.sort((x, y) => x - y);
  // The same 100 signatures verified from memory (layers fetched once): the verifier's share.
  const sigManifest = await client.getManifest(`${repo}:sha256-${many.slice(7)}.sig`);
  const layers = await Promise.all(sigManifest.manifest.layers.map(async (l) => ({ l, blob: await client.getBlob(`${registry.host}/bench/app`, l.digest) })));
  const bundles = layers.map(({ l, blob }) => ({ bundle: layerToBundle(l, blob), blob }));
  const offline = [];
  for (let i = 0; i < (QUICK ? 3 : 8); i++) {
    const t = performance.now();
    for (const b of bundles) verifyBundle({ bundle: prepareBundle(b.bundle), artifact: b.blob, trust, policy });
    offline.push(performance.now() - t);
  }
  offline.sort((x, y) => x - y);

  const f = (ms) => `${ms.toFixed(1)} ms`;
  console.log(`\nImage signing and verification (keyless, cosign tag layout; local stack + docker-registry on loopback; ${RUNS} runs)`);
  console.log(`  sign image            p50 ${f(pct(sign, 0.5))}   p90 ${f(pct(sign, 0.9))}`);
  console.log(`    of which keyless    p50 ${f(pct(keylessOnly, 0.5))}   (signBlob of the payload alone: token, certificate, log entry)`);
  console.log(`    registry requests   ${requests.sign} to sign, ${requests.verify} to verify (counted through a proxy)`);
  console.log(`  verify image          p50 ${f(pct(verify, 0.5))}   p90 ${f(pct(verify, 0.9))}`);
  console.log(`  sign + verify         p50 ${f(pct(total, 0.5))}   p90 ${f(pct(total, 0.9))}`);
  console.log(`  verify 100 signatures p50 ${f(pct(hundred, 0.5))}  (${(pct(hundred, 0.5) / 100).toFixed(2)} ms a signature, every one checked)`);
  console.log(`    verification alone  p50 ${f(pct(offline, 0.5))}  (${(pct(offline, 0.5) / 100).toFixed(2)} ms a signature; layers already fetched)`);
} finally {
  await Promise.all([stack.close(), registry.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
