import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { vectorsDir } from '@sigil/core/test-support';
import { type SigilErrorCode } from '@sigil/core';
import { parseTrustedRoot, prepareBundle, verifyBundle, type Artifact, type Policy, type TrustMaterial } from './index.js';
import { throwsSigil } from './test-support.js';

const DIR = vectorsDir('bundles');
const read = (p: string): Buffer => readFileSync(path.join(DIR, p));

interface Case {
  name: string;
  bundle: string;
  trustedRoot: string;
  artifact: string | null;
  subjectDigest?: { sha512: string };
  certificateIdentity: string | null;
  certificateOidcIssuer: string | null;
  expect: 'valid' | 'invalid';
}

const manifest = JSON.parse(read('manifest.json').toString('utf8')) as { cases: Case[] };
const roots = new Map<string, TrustMaterial>();
const trustOf = (name: string): TrustMaterial => {
  let t = roots.get(name);
  if (!t) roots.set(name, (t = parseTrustedRoot(read(name))));
  return t;
};
const artifactOf = (c: Case): Artifact => (c.artifact ? read(c.artifact) : { digest: Buffer.from(c.subjectDigest!.sha512, 'hex'), algorithm: 'sha512' });
const policyOf = (c: Case): Policy =>
  c.certificateIdentity ? { identity: c.certificateIdentity, issuer: c.certificateOidcIssuer! } : { insecureAnyIdentity: true };

/** The code each known-bad case must fail with, from its README explanation. */
const EXPECTED: Record<string, SigilErrorCode> = {
  'derived-corrupted-inclusion-proof_fail': 'ERR_VERIFY_TLOG_INCLUSION', // proof hash bit flipped: root mismatch
  'derived-tampered-signature_fail': 'ERR_VERIFY_TLOG_BODY', // signature differs from the logged one (checked before the signature)
  'derived-wrong-artifact_fail': 'ERR_VERIFY_ARTIFACT', // digest mismatch
  'invalid-empty-cert-chain_fail': 'ERR_VERIFY_BUNDLE', // no signing certificate
  'invalid-no-signed-time_fail': 'ERR_VERIFY_TIMESTAMP', // proof only, no SET, no TSA: no trusted time
  'invalid-no-tlog-entry_fail': 'ERR_VERIFY_BUNDLE', // a log entry is required
  'invalid-unknown-mediatype_fail': 'ERR_VERIFY_BUNDLE', // unknown version
  'invalid-unrelated-log-entry-cve-2022-36056_fail': 'ERR_VERIFY_TLOG_BODY', // entry of another signing
  'invalid-v0.2-no-inclusion-proof_fail': 'ERR_VERIFY_BUNDLE', // v0.2 needs a proof with a checkpoint
  'policy-wrong-identity_fail': 'ERR_VERIFY_POLICY',
  'policy-wrong-issuer_fail': 'ERR_VERIFY_POLICY',
};

test('bundle vectors: every manifest case gives its verdict (and known-bad ones their code)', () => {
  assert.equal(manifest.cases.length, 18);
  for (const c of manifest.cases) {
    const input = { bundle: read(c.bundle), artifact: artifactOf(c), trust: trustOf(c.trustedRoot), policy: policyOf(c) };
    if (c.expect === 'valid') {
      const r = verifyBundle(input);
      assert.ok(r.timestamps.length >= 1, c.name);
      if (c.certificateIdentity) assert.equal(r.signer.identity?.san, c.certificateIdentity, c.name);
      if (c.certificateOidcIssuer) assert.equal(r.signer.identity?.issuer, c.certificateOidcIssuer, c.name);
    } else {
      const code = EXPECTED[c.name];
      assert.ok(code, `no expected code for ${c.name}`);
      throwsSigil(() => verifyBundle(input), code);
    }
  }
});

// ---- Mutations of the good v0.2 production bundle ----------------------------------------

const GOOD = 'v0.2-message-public-good-github';
const GOOD_POLICY: Policy = {
  identity: 'https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2',
  issuer: 'https://token.actions.githubusercontent.com',
};
const goodArtifact = read(`${GOOD}/artifact`);
const pg = (): TrustMaterial => trustOf('trusted_root.public-good.json');
const goodJson = (): any => JSON.parse(read(`${GOOD}/bundle.sigstore.json`).toString('utf8'));
const verifyGood = (bundle: unknown, over: Partial<Policy> = {}, artifact: Artifact = goodArtifact): unknown =>
  verifyBundle({ bundle, artifact, trust: pg(), policy: { ...GOOD_POLICY, ...over } });
const flipB64 = (s: string, byte = 0): string => {
  const b = Buffer.from(s, 'base64');
  b[byte]! ^= 0x01;
  return b.toString('base64');
};

test('the good bundle verifies: identity, issuer, extensions, timestamps, tlog', () => {
  const r = verifyBundle({ bundle: read(`${GOOD}/bundle.sigstore.json`), artifact: goodArtifact, trust: pg(), policy: { ...GOOD_POLICY, githubWorkflowTrigger: 'release', githubWorkflowRepository: 'trailofbits/rfc8785.py', githubWorkflowRef: 'refs/tags/v0.1.2' } });
  assert.equal(r.signer.identity?.extensions['1.3.6.1.4.1.57264.1.5'], 'trailofbits/rfc8785.py');
  assert.deepEqual(r.timestamps, [new Date(1710888076 * 1000)]);
  assert.equal(r.tlog[0]?.logIndex, 79605083);
  assert.ok(r.tlog[0]?.setVerified && r.tlog[0].inclusionVerified);
});

test('artifact given only as its sha256 digest (sha256:<hex> form) verifies; a wrong digest fails', () => {
  const digest = createHash('sha256').update(goodArtifact).digest();
  verifyGood(goodJson(), {}, { digest, algorithm: 'sha256' });
  const off = Buffer.from(digest);
  off[31]! ^= 1;
  throwsSigil(() => verifyGood(goodJson(), {}, { digest: off, algorithm: 'sha256' }), 'ERR_VERIFY_ARTIFACT');
  throwsSigil(() => verifyGood(goodJson(), {}, { digest: createHash('sha512').update(goodArtifact).digest(), algorithm: 'sha512' }), 'ERR_VERIFY_ARTIFACT');
});

test('artifact one byte off fails (RS-40)', () => {
  const a = Buffer.from(goodArtifact);
  a[a.length - 1]! ^= 0x01;
  throwsSigil(() => verifyGood(goodJson(), {}, a), 'ERR_VERIFY_ARTIFACT');
  throwsSigil(() => verifyBundle({ bundle: goodJson(), trust: pg(), policy: GOOD_POLICY }), 'ERR_VERIFY_ARTIFACT', /no artifact/);
});

test('flipped inclusion proof hash fails (RS-46)', () => {
  const b = goodJson();
  const p = b.verificationMaterial.tlogEntries[0].inclusionProof;
  p.hashes[3] = flipB64(p.hashes[3], 5);
  throwsSigil(() => verifyGood(b), 'ERR_VERIFY_TLOG_INCLUSION', /does not lead to the root/);
});

test('wrong checkpoint root fails: the signed note no longer verifies, or the proof root differs (RS-46)', () => {
  const b = goodJson();
  const p = b.verificationMaterial.tlogEntries[0].inclusionProof;
  const lines = p.checkpoint.envelope.split('\n');
  lines[2] = flipB64(lines[2], 0);
  p.checkpoint.envelope = lines.join('\n');
  throwsSigil(() => verifyGood(b), 'ERR_VERIFY_TLOG_INCLUSION', /checkpoint signature/);
  const b2 = goodJson();
  const p2 = b2.verificationMaterial.tlogEntries[0].inclusionProof;
  p2.rootHash = flipB64(p2.rootHash, 0);
  throwsSigil(() => verifyGood(b2), 'ERR_VERIFY_TLOG_INCLUSION', /root hash differs/);
  const b3 = goodJson();
  b3.verificationMaterial.tlogEntries[0].inclusionProof.treeSize = '75441654';
  throwsSigil(() => verifyGood(b3), 'ERR_VERIFY_TLOG_INCLUSION', /tree size/);
});

test('checkpoint signature corrupted or removed fails (RS-46)', () => {
  const b = goodJson();
  const p = b.verificationMaterial.tlogEntries[0].inclusionProof;
  const [text, sigs] = p.checkpoint.envelope.split('\n\n');
  const [dash, nm, blob] = sigs.trimEnd().split(' ');
  p.checkpoint.envelope = `${text}\n\n${dash} ${nm} ${flipB64(blob, 20)}\n`;
  throwsSigil(() => verifyGood(b), 'ERR_VERIFY_TLOG_INCLUSION', /does not verify/);
  p.checkpoint.envelope = `${text}\n\n\u2014 other.example ${blob}\n`;
  throwsSigil(() => verifyGood(b), 'ERR_VERIFY_TLOG_INCLUSION', /no signature from a known key/);
});

test('SET signature corrupted fails (RS-46)', () => {
  const b = goodJson();
  const e = b.verificationMaterial.tlogEntries[0];
  e.inclusionPromise.signedEntryTimestamp = flipB64(e.inclusionPromise.signedEntryTimestamp, 40);
  throwsSigil(() => verifyGood(b), 'ERR_VERIFY_TLOG_SET');
  const b2 = goodJson();
  b2.verificationMaterial.tlogEntries[0].integratedTime = '1710888077';
  throwsSigil(() => verifyGood(b2), 'ERR_VERIFY_TLOG_SET');
});

test('a real, validly logged entry of another signing fails the body check (RS-41)', () => {
  // Both staging bundles are genuine, same signer, same log: swap their tlog entries.
  const a = JSON.parse(read('v0.3-message-staging/bundle.sigstore.json').toString('utf8'));
  const other = JSON.parse(read('v0.3-alt-mediatype-staging/bundle.sigstore.json').toString('utf8'));
  a.verificationMaterial.tlogEntries = other.verificationMaterial.tlogEntries;
  const policy = { identity: 'william@yossarian.net', issuer: 'https://github.com/login/oauth' };
  throwsSigil(() => verifyBundle({ bundle: a, artifact: read('v0.3-message-staging/artifact'), trust: trustOf('trusted_root.staging.json'), policy }), 'ERR_VERIFY_TLOG_BODY');
  const b = goodJson();
  b.verificationMaterial.tlogEntries[0].kindVersion.version = '0.0.2';
  throwsSigil(() => verifyGood(b), 'ERR_VERIFY_TLOG_BODY', /kind|0\.0\.2/);
});

test('issuer mismatch and missing issuer policy fail (RS-43)', () => {
  throwsSigil(() => verifyGood(goodJson(), { issuer: 'https://accounts.google.com' }), 'ERR_VERIFY_POLICY', /issuer/);
  throwsSigil(() => verifyGood(goodJson(), { issuer: undefined, issuerRegExp: 'https://accounts\\.google\\.com' }), 'ERR_VERIFY_POLICY');
  verifyGood(goodJson(), { issuer: undefined, issuerRegExp: 'https://token\\.actions\\.githubusercontent\\.com' });
  throwsSigil(() => verifyGood(goodJson(), { githubWorkflowRef: 'refs/heads/main' }), 'ERR_VERIFY_POLICY', /githubWorkflowRef/);
});

test('policy regular expressions are fully anchored', () => {
  throwsSigil(() => verifyGood(goodJson(), { identity: undefined, identityRegExp: 'trailofbits' }), 'ERR_VERIFY_POLICY');
  throwsSigil(() => verifyGood(goodJson(), { identity: undefined, identityRegExp: /github\.com\/trailofbits/ }), 'ERR_VERIFY_POLICY');
  throwsSigil(() => verifyGood(goodJson(), { identity: undefined, identityRegExp: 'x|trailofbits' }), 'ERR_VERIFY_POLICY');
  verifyGood(goodJson(), { identity: undefined, identityRegExp: 'https://github\\.com/trailofbits/.*@refs/tags/v.*' });
  throwsSigil(() => verifyGood(goodJson(), { identity: undefined, identityRegExp: '(' }), 'ERR_VERIFY_POLICY', /invalid/);
});

test('keyless verification without identity and issuer is refused unless insecureAnyIdentity (RS-61)', () => {
  throwsSigil(() => verifyBundle({ bundle: goodJson(), artifact: goodArtifact, trust: pg(), policy: {} }), 'ERR_VERIFY_POLICY');
  throwsSigil(() => verifyBundle({ bundle: goodJson(), artifact: goodArtifact, trust: pg(), policy: { identity: GOOD_POLICY.identity } }), 'ERR_VERIFY_POLICY');
  throwsSigil(() => verifyBundle({ bundle: goodJson(), artifact: goodArtifact, trust: pg(), policy: { issuer: GOOD_POLICY.issuer } }), 'ERR_VERIFY_POLICY');
  const r = verifyBundle({ bundle: goodJson(), artifact: goodArtifact, trust: pg(), policy: { insecureAnyIdentity: true } });
  assert.equal(r.signer.identity?.san, GOOD_POLICY.identity);
});

test('a staging bundle checked against the production trust root fails (RS-50)', () => {
  const c = manifest.cases.find((x) => x.name === 'v0.3-message-staging')!;
  throwsSigil(() => verifyBundle({ bundle: read(c.bundle), artifact: artifactOf(c), trust: pg(), policy: policyOf(c) }), 'ERR_VERIFY_CERTIFICATE');
});

test('times: a signature time in the future (relative to now) fails', () => {
  throwsSigil(() => verifyBundle({ bundle: goodJson(), artifact: goodArtifact, trust: pg(), policy: GOOD_POLICY, now: new Date(Date.UTC(2024, 0, 1)) }), 'ERR_VERIFY_TIMESTAMP', /future/);
});

test('Rekor v2 + RFC 3161: a timestamp over another signature, or with no trusted TSA, fails (RS-52)', () => {
  const c = manifest.cases.find((x) => x.name === 'v0.3-rekor2-tsa-staging')!;
  const staging = trustOf('trusted_root.staging.json');
  const base = (): any => JSON.parse(read(c.bundle).toString('utf8'));
  const run = (b: unknown, trust = staging): unknown => verifyBundle({ bundle: b, artifact: artifactOf(c), trust, policy: policyOf(c) });
  const r = run(base()) as { timestamps: Date[]; tlog: { setVerified: boolean }[] };
  assert.equal(r.timestamps.length, 1);
  assert.equal(r.tlog[0]?.setVerified, false);
  const noTsa = base();
  delete noTsa.verificationMaterial.timestampVerificationData;
  throwsSigil(() => run(noTsa), 'ERR_VERIFY_TIMESTAMP', /no trusted signing time/);
  const other = base();
  const ts = Buffer.from(other.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp, 'base64');
  const imprintAt = ts.indexOf(createHash('sha256').update(Buffer.from(other.messageSignature.signature, 'base64')).digest());
  assert.ok(imprintAt > 0);
  ts[imprintAt]! ^= 1;
  other.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp = ts.toString('base64');
  throwsSigil(() => run(other), 'ERR_VERIFY_TIMESTAMP', /imprint/);
  const untrusted = JSON.parse(read('trusted_root.staging.json').toString('utf8'));
  untrusted.timestampAuthorities = [];
  throwsSigil(() => run(base(), parseTrustedRoot(untrusted)), 'ERR_VERIFY_TIMESTAMP', /not signed by a trusted/);
  const expired = JSON.parse(read('trusted_root.staging.json').toString('utf8'));
  expired.timestampAuthorities[0].validFor.end = '2025-06-01T00:00:00Z';
  throwsSigil(() => run(base(), parseTrustedRoot(expired)), 'ERR_VERIFY_TIMESTAMP', /validity/);
});

test('prepareBundle: a parsed bundle is reused as is', () => {
  const b = prepareBundle(read(`${GOOD}/bundle.sigstore.json`));
  for (let i = 0; i < 3; i++) verifyGood(b);
});

test('embedded SCTs of the real bundle are verified against the trusted CT logs (RS-60)', () => {
  const root = (): any => JSON.parse(read('trusted_root.public-good.json').toString('utf8'));
  const withRoot = (r: any, over: Partial<Policy> = {}): unknown =>
    verifyBundle({ bundle: goodJson(), artifact: goodArtifact, trust: parseTrustedRoot(r), policy: { ...GOOD_POLICY, ...over } });
  const unknownLog = root();
  for (const l of unknownLog.ctlogs) l.logId.keyId = flipB64(l.logId.keyId, 0);
  throwsSigil(() => withRoot(unknownLog), 'ERR_VERIFY_SCT', /not in the trusted root/);
  const otherKey = root();
  for (const l of otherKey.ctlogs) l.publicKey.rawBytes = otherKey.tlogs[0].publicKey.rawBytes;
  throwsSigil(() => withRoot(otherKey), 'ERR_VERIFY_SCT', /does not verify/);
  throwsSigil(() => withRoot(root(), { ctlogThreshold: 2 }), 'ERR_VERIFY_SCT', /expected 2/);
  const noCt = root();
  noCt.ctlogs = [];
  withRoot(noCt);
});
