#!/usr/bin/env node
// CA benchmark: certificates issued per second and latency over real HTTP at 1 and 16
// concurrent clients (JWKS cached, P-256 intermediate), beside the raw crypto per
// certificate measured in the same run. Usage: node bench/ca.bench.mjs [--quick]
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { CertificateAuthority, ephemeralCaSigner, TokenVerifier } from '@sigil/ca';

const QUICK = process.argv.includes('--quick');
const MEASURE_MS = QUICK ? 2000 : 8000;
const here = dirname(fileURLToPath(import.meta.url));
const sigil = join(here, '..', 'packages', 'cli', 'bin', 'sigil.js');
const pct = (s, q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
const port = await new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const dir = mkdtempSync(join(tmpdir(), 'sigil-ca-bench-'));
const base = `http://127.0.0.1:${port}`;

const server = spawn(process.execPath, [sigil, 'up', '--data', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
// Never leave the stack behind, whatever fails.
process.on('exit', () => server.kill('SIGKILL'));
server.stdout.on('data', (d) => { out += d; });
while (!existsSync(join(dir, 'trusted_root.json'))) await new Promise((r) => setTimeout(r, 100));
const ciUrl = /ACTIONS_ID_TOKEN_REQUEST_URL='([^']+)'/.exec(out)[1];
const ciToken = /ACTIONS_ID_TOKEN_REQUEST_TOKEN='([^']+)'/.exec(out)[1];
const token = (await (await fetch(`${ciUrl}&audience=sigstore`, { headers: { authorization: `Bearer ${ciToken}` } })).json()).value;
const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));

// Pre-generated keys and proofs: the client's cost is not what we measure.
const requests = Array.from({ length: QUICK ? 300 : 1500 }, () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({ credentials: { oidcIdentityToken: token }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(claims.sub), privateKey).toString('base64') } });
});

function post(agent, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v2/signingCert`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function load(concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  for (let i = 0; i < 50; i++) await post(agent, requests[i % requests.length]); // warm: JWKS cached, JIT
  const lat = [];
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() - t0 < MEASURE_MS) {
      const s = performance.now();
      await post(agent, requests[n++ % requests.length]);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { concurrency, perSec: lat.length / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99), loadGenCpu: (cpu.user + cpu.system) / 1e6 / secs };
}

process.stderr.write(`server up at ${base}; ${requests.length} requests prepared\n`);
const rows = [];
for (const c of [1, 16]) { rows.push(await load(c)); process.stderr.write(`c=${c} done\n`); }

// Raw crypto per certificate, in process: token verify + proof verify + certificate sign.
const jwks = await (await fetch(`${claims.iss}/.well-known/jwks`)).json();
const N = QUICK ? 300 : 2000;
// A warm-up first (the JIT needs a few thousand calls to settle), so that the mean is the steady-state cost.
const time = async (f) => { for (let i = 0; i < 2000; i++) await f(i); const t = performance.now(); for (let i = 0; i < N; i++) await f(i); return ((performance.now() - t) / N) * 1000; };
let tokenUs = NaN;
if (jwks?.keys) {
  const set = createLocalJWKSet(jwks);
  tokenUs = await time(() => jwtVerify(token, set, { issuer: claims.iss, audience: 'sigstore' }));
}
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const proof = sign('sha256', Buffer.from(claims.sub), privateKey);
const proofUs = await time(() => verify('sha256', Buffer.from(claims.sub), publicKey, proof));
const ca = await CertificateAuthority.create({ signer: await ephemeralCaSigner(), issuers: { OIDCIssuers: { [claims.iss]: { IssuerURL: claims.iss, ClientID: 'sigstore', Type: 'github-workflow' } } } });
const spki = publicKey.export({ type: 'spki', format: 'der' });
const certUs = await time(() => ca.issueForClaims(claims, spki));
// The CA's own verifier: the same token again is answered from its verified-token cache.
const verifier = new TokenVerifier({ registry: ca.registry });
await verifier.verify(token);
const cachedTokenUs = await time(() => verifier.verify(token));

server.kill('SIGINT');
await new Promise((r) => server.once('exit', r));
rmSync(dir, { recursive: true, force: true });

console.log(`\nSigil CA benchmark (${new Date().toISOString()}, ${QUICK ? 'quick' : 'full'} run, sigil up on loopback)`);
console.log('clients  certs/s   p50 ms   p99 ms   load-gen CPU');
for (const r of rows) console.log(`${String(r.concurrency).padStart(7)}  ${r.perSec.toFixed(0).padStart(7)}  ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}   ${(r.loadGenCpu * 100).toFixed(0)}%`);
console.log(`raw crypto per certificate: token verify ${cachedTokenUs.toFixed(0)} µs (cached; ${tokenUs.toFixed(0)} µs a new token) + proof verify ${proofUs.toFixed(0)} µs + issue (sign) ${certUs.toFixed(0)} µs = ${(cachedTokenUs + proofUs + certUs).toFixed(0)} µs (${(tokenUs + proofUs + certUs).toFixed(0)} µs with a new token)`);
console.log('target: ≥ 1,000 certificates/s at 16 clients, p99 < 50 ms');
