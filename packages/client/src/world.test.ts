import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeBase64, noteKeyId } from '@sigil/core';
import { parseTrustedRoot, verifyBundle, type Policy } from './index.js';
import { HOUR, T0, ecKeys, makeBundle, makeCert, makeLeaf, makeWorld, throwsSigil } from './test-support.js';

// Bundles built from fresh keys: a CA, a Rekor-v1-style log, a trusted root without CT logs.
const w = makeWorld();
const trust = parseTrustedRoot(w.trustedRoot);
const artifact = Buffer.from('hello sigil\n');
const POLICY: Policy = { identity: 'dev@sigil.test', issuer: 'https://oidc.sigil.test' };
const NOW = new Date(T0 + 30 * 24 * HOUR);
const signing = ecKeys();
const leaf = makeLeaf(w, signing.publicKey, T0);
const keyless = (over: Partial<Parameters<typeof makeBundle>[1]> = {}): Record<string, unknown> =>
  makeBundle(w, { artifact, leaf: { cert: leaf }, signingKey: signing, integratedTime: T0 / 1000 + 60, ...over });

const run = (bundle: unknown, policy: Policy = POLICY, a: Uint8Array = artifact): unknown => verifyBundle({ bundle, artifact: a, trust, policy, now: NOW });

test('synthetic keyless bundle verifies (v0.3 certificate, and v0.2 chain)', () => {
  run(keyless());
  run(keyless({ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' }));
});

test('integratedTime outside the leaf validity fails (RS-44)', () => {
  throwsSigil(() => run(keyless({ integratedTime: T0 / 1000 + 11 * 60 })), 'ERR_VERIFY_TIMESTAMP', /outside the signing certificate/);
  throwsSigil(() => run(keyless({ integratedTime: T0 / 1000 - 1 })), 'ERR_VERIFY_TIMESTAMP', /outside the signing certificate/);
});

test('a time outside the CA validity fails the certificate check', () => {
  throwsSigil(() => run(keyless({ integratedTime: T0 / 1000 + 400 * 24 * 3600 })), 'ERR_VERIFY_CERTIFICATE', /not valid at/);
});

test('self-signed leaf, CA leaf, leaf without codeSigning fail (RS-50)', () => {
  const self = makeCert({ subject: 'me', issuer: 'me', key: signing.publicKey, signer: signing.privateKey, notBefore: T0, notAfter: T0 + HOUR, san: 'dev@sigil.test', oidcIssuer: 'https://oidc.sigil.test' });
  throwsSigil(() => run(keyless({ leaf: { cert: self } })), 'ERR_VERIFY_CERTIFICATE', /self-signed/);
  const ca = makeLeaf(w, signing.publicKey, T0, { ca: true });
  throwsSigil(() => run(keyless({ leaf: { cert: ca } })), 'ERR_VERIFY_CERTIFICATE', /CA/);
  const other = ecKeys();
  const foreign = makeCert({ subject: '', issuer: 'sigil-ca', key: signing.publicKey, signer: other.privateKey, notBefore: T0, notAfter: T0 + HOUR, san: 'dev@sigil.test', oidcIssuer: 'https://oidc.sigil.test' });
  throwsSigil(() => run(keyless({ leaf: { cert: foreign } })), 'ERR_VERIFY_CERTIFICATE', /no trusted CA/);
  const tampered = Buffer.from(leaf);
  tampered[tampered.length - 3]! ^= 1;
  throwsSigil(() => run(keyless({ leaf: { cert: tampered } })), 'ERR_VERIFY_CERTIFICATE', /signature does not verify/);
});

test('a root in the bundle chain: untrusted root fails; trusted root is ignored unless strict (RS-50)', () => {
  const v02 = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
  run(keyless({ mediaType: v02, leaf: { cert: leaf, chain: [w.caCert] } }));
  throwsSigil(() => run(keyless({ mediaType: v02, leaf: { cert: leaf, chain: [w.caCert] } }), { ...POLICY, strictBundleChain: true }), 'ERR_VERIFY_CERTIFICATE', /root/);
  const evil = ecKeys();
  const evilRoot = makeCert({ subject: 'sigil-ca', issuer: 'sigil-ca', key: evil.publicKey, signer: evil.privateKey, notBefore: T0 - HOUR, notAfter: T0 + 48 * HOUR, ca: true });
  throwsSigil(() => run(keyless({ mediaType: v02, leaf: { cert: leaf, chain: [evilRoot] } })), 'ERR_VERIFY_CERTIFICATE', /not a trusted root/);
});

test('SCTs are required when the trusted root lists CT logs (RS-60)', () => {
  const withCt = structuredClone(w.trustedRoot) as any;
  const ct = ecKeys().publicKey.export({ type: 'spki', format: 'der' });
  withCt.ctlogs = [{ baseUrl: 'http://ct.sigil.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: encodeBase64(ct), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2024-01-01T00:00:00Z' } }, logId: { keyId: encodeBase64(createHash('sha256').update(ct).digest()) } }];
  const t = parseTrustedRoot(withCt);
  throwsSigil(() => verifyBundle({ bundle: keyless(), artifact, trust: t, policy: POLICY, now: NOW }), 'ERR_VERIFY_SCT', /no embedded SCT/);
  verifyBundle({ bundle: keyless(), artifact, trust: t, policy: { ...POLICY, ctlogThreshold: 0 }, now: NOW });
});

test('checkpoint: unknown cosignatures are ignored even when first; a wrong-log key hint is not trusted', () => {
  const junk = `\u2014 witness.example ${Buffer.alloc(68, 7).toString('base64')}\n`;
  run(keyless({ cosignaturesFirst: [junk, junk] }));
  // Same name, but the key hint of another key: not the log's signature, so nothing known remains.
  const b = keyless() as any;
  const p = b.verificationMaterial.tlogEntries[0].inclusionProof;
  const other = noteKeyId.spki(ecKeys().publicKey.export({ type: 'spki', format: 'der' }));
  p.checkpoint.envelope = p.checkpoint.envelope.replace(/(\u2014 \S+ )(\S+)/, (_m: string, head: string, blob: string) => {
    const raw = Buffer.from(blob, 'base64');
    other.copy(raw, 0);
    return head + raw.toString('base64');
  });
  throwsSigil(() => run(b), 'ERR_VERIFY_TLOG_INCLUSION', /no signature from a known key/);
});

test('a log key outside its validFor fails the SET check (RS-51)', () => {
  const late = structuredClone(w.trustedRoot) as any;
  late.tlogs[0].publicKey.validFor = { start: new Date(T0 + HOUR).toISOString() };
  throwsSigil(() => verifyBundle({ bundle: keyless(), artifact, trust: parseTrustedRoot(late), policy: POLICY, now: NOW }), 'ERR_VERIFY_TLOG_SET', /not valid at integratedTime/);
  const ended = structuredClone(w.trustedRoot) as any;
  ended.tlogs[0].publicKey.validFor.end = new Date(T0 + 60_000).toISOString(); // integratedTime is exactly the (inclusive) end
  verifyBundle({ bundle: keyless(), artifact, trust: parseTrustedRoot(ended), policy: POLICY, now: NOW });
});

test('managed-key bundle: right key verifies; wrong key or no key fails (RS-59)', () => {
  const key = ecKeys();
  const b = makeBundle(w, { artifact, signingKey: key, integratedTime: T0 / 1000 + 60 });
  const r = run(b, { publicKey: key.publicKey }) as { signer: { keyHint?: string } };
  assert.equal(r.signer.keyHint, 'managed');
  throwsSigil(() => run(b, { publicKey: ecKeys().publicKey }), 'ERR_VERIFY_TLOG_BODY', /public key differs/);
  throwsSigil(() => run(b, {}), 'ERR_VERIFY_POLICY', /public key is required/);
  throwsSigil(() => run(b, { publicKey: key.publicKey, identity: 'dev@sigil.test', issuer: 'x' }), 'ERR_VERIFY_POLICY', /managed key/);
  throwsSigil(() => run(keyless(), { ...POLICY, publicKey: key.publicKey }), 'ERR_VERIFY_POLICY', /not the given public key/);
  // The logged key matches but the bundle signature was made by another key.
  const forged = makeBundle(w, { artifact, signingKey: key, integratedTime: T0 / 1000 + 60 }) as any;
  forged.messageSignature.signature = encodeBase64(Buffer.from(forged.messageSignature.signature, 'base64').reverse());
  throwsSigil(() => run(forged, { publicKey: key.publicKey }), 'ERR_VERIFY_TLOG_BODY');
});

test('limits: too many tlog entries, duplicate entries fail the bundle check (RS-57)', () => {
  const b = keyless() as any;
  const e = b.verificationMaterial.tlogEntries[0];
  b.verificationMaterial.tlogEntries = Array.from({ length: 33 }, () => e);
  throwsSigil(() => run(b), 'ERR_VERIFY_BUNDLE', /at most 32/);
  b.verificationMaterial.tlogEntries = [e, e];
  throwsSigil(() => run(b), 'ERR_VERIFY_BUNDLE', /duplicate/);
});
