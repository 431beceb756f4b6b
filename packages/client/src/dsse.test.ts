import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseTrustedRoot, verifyBundle, type Artifact } from './index.js';
import { HOUR, T0, ecKeys, makeBundle, makeLeaf, makeWorld, throwsSigil } from './test-support.js';

// DSSE bundles (in-toto attestations) logged as dsse 0.0.1 or as a hashedrekord over H(PAE).
const w = makeWorld();
const trust = parseTrustedRoot(w.trustedRoot);
const key = ecKeys();
const leaf = makeLeaf(w, key.publicKey, T0);
const file = Buffer.from('release.tgz contents');
const fileSha256 = createHash('sha256').update(file).digest('hex');
const statement = (over: Record<string, unknown> = {}): Buffer =>
  Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'release.tgz', digest: { sha256: fileSha256 } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {}, ...over }));
const TYPE = 'application/vnd.in-toto+json';
const POLICY = { identity: 'dev@sigil.test', issuer: 'https://oidc.sigil.test' };

function bundle(payload: Buffer, payloadType = TYPE, logAs: 'dsse' | 'hashedrekord' = 'dsse'): any {
  return makeBundle(w, { artifact: file, leaf: { cert: leaf }, signingKey: key, integratedTime: T0 / 1000 + 60, dsse: { payload, payloadType, logAs } });
}
const run = (b: unknown, artifact: Artifact = file): any => verifyBundle({ bundle: b, artifact, trust, policy: POLICY, now: new Date(T0 + HOUR) });

test('DSSE bundle logged as dsse 0.0.1 or hashedrekord(H(PAE)) verifies; the statement is returned', () => {
  const r = run(bundle(statement()));
  assert.equal(r.statement.predicateType, 'https://slsa.dev/provenance/v1');
  run(bundle(statement(), TYPE, 'hashedrekord'));
  run(bundle(statement()), { digest: Buffer.from(fileSha256, 'hex'), algorithm: 'sha256' });
});

test('DSSE subject must carry the artifact digest (RS-55)', () => {
  throwsSigil(() => run(bundle(statement()), Buffer.from('other file')), 'ERR_VERIFY_ARTIFACT', /not a subject/);
  throwsSigil(() => run(bundle(statement({ subject: [{ name: 'x', digest: { sha256: '00'.repeat(32) } }] }))), 'ERR_VERIFY_ARTIFACT', /not a subject/);
});

test('DSSE payload must be an in-toto Statement (RS-55)', () => {
  throwsSigil(() => run(bundle(Buffer.from('not json'))), 'ERR_VERIFY_ARTIFACT', /not JSON/);
  throwsSigil(() => run(bundle(statement({ _type: 'https://example.com/Statement' }))), 'ERR_VERIFY_ARTIFACT', /_type/);
  throwsSigil(() => run(bundle(statement({ predicateType: undefined }))), 'ERR_VERIFY_ARTIFACT', /predicateType/);
  throwsSigil(() => run(bundle(statement(), 'text/plain')), 'ERR_VERIFY_ARTIFACT', /payload type/);
  const many = Array.from({ length: 1025 }, (_, i) => ({ name: String(i), digest: { sha256: fileSha256 } }));
  throwsSigil(() => run(bundle(statement({ subject: many }))), 'ERR_VERIFY_ARTIFACT', /at most 1024/);
});

test('DSSE envelope differing from the logged entry, or a bad signature, fails (RS-54)', () => {
  const changedPayload = bundle(statement());
  changedPayload.dsseEnvelope.payload = Buffer.from(statement({ predicate: { x: 1 } })).toString('base64');
  throwsSigil(() => run(changedPayload), 'ERR_VERIFY_TLOG_BODY', /payload hash/);
  const changedType = bundle(statement());
  changedType.dsseEnvelope.payloadType = 'application/json';
  throwsSigil(() => run(changedType), 'ERR_VERIFY_ARTIFACT', /payload type/);
  const viaHashedrekord = bundle(statement(), TYPE, 'hashedrekord');
  viaHashedrekord.dsseEnvelope.payloadType = 'application/vnd.in-toto+json; x=1';
  throwsSigil(() => run(viaHashedrekord), 'ERR_VERIFY_TLOG_BODY', /digest/);
  const otherSig = bundle(statement());
  otherSig.dsseEnvelope.signatures[0].sig = bundle(statement({ predicate: { y: 2 } })).dsseEnvelope.signatures[0].sig;
  throwsSigil(() => run(otherSig), 'ERR_VERIFY_TLOG_BODY', /signature differs/);
  const raw = makeBundle(w, { artifact: file, leaf: { cert: leaf }, signingKey: key, integratedTime: T0 / 1000 + 60, dsse: { payload: statement(), payloadType: TYPE, signRawPayload: true } });
  throwsSigil(() => run(raw), 'ERR_VERIFY_SIGNATURE', /DSSE signature/);
  const twoSigs = bundle(statement());
  twoSigs.dsseEnvelope.signatures.push(twoSigs.dsseEnvelope.signatures[0]);
  throwsSigil(() => run(twoSigs), 'ERR_VERIFY_BUNDLE', /exactly one signature/);
});
