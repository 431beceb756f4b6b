import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigilError } from '@sigil/core';
import { parseTrustedRoot } from './trusted-root.js';
import { makeWorld } from './test-support.js';

const w = makeWorld();

function bad(mutate: (r: any) => void, message: RegExp): void {
  const r = structuredClone(w.trustedRoot) as any;
  mutate(r);
  assert.throws(() => parseTrustedRoot(r), (err: unknown) => {
    assert.ok(err instanceof SigilError && err.code === 'ERR_VERIFY_TRUSTED_ROOT', String(err));
    assert.match(err.message, message);
    return true;
  });
}

test('parseTrustedRoot precomputes keys, log IDs and verified CA chains', () => {
  const t = parseTrustedRoot(w.trustedRoot);
  assert.equal(t.tlogs.length, 1);
  assert.ok(t.tlogs[0]!.logId.equals(w.logId));
  assert.equal(t.tlogs[0]!.host, 'log.sigil.test:3000');
  assert.equal(t.tlogs[0]!.validFor.end, Infinity);
  assert.equal(t.certificateAuthorities[0]!.error, undefined);
  assert.ok(t.certificateAuthorities[0]!.tails[0]);
  assert.deepEqual(t.skipped, []);
});

test('a tlog key without validFor.start is refused (RS-51)', () => {
  bad((r) => { delete r.tlogs[0].publicKey.validFor.start; }, /validFor has no start/);
  bad((r) => { delete r.tlogs[0].publicKey.validFor; }, /validFor/);
  bad((r) => { delete r.certificateAuthorities[0].validFor.start; }, /validFor has no start/);
  bad((r) => { r.tlogs[0].publicKey.validFor.start = 'yesterday'; }, /RFC 3339/);
});

test('malformed trusted roots are refused', () => {
  bad((r) => { r.mediaType = 'application/vnd.dev.sigstore.trustedroot.v9+json'; }, /media type/);
  bad((r) => { r.tlogs[0].publicKey.keyDetails = 'PKIX_ED25519'; }, /does not match/);
  bad((r) => { r.tlogs[0].baseUrl = 'not a url'; }, /URL/);
});

test('a CA whose chain does not verify is marked unusable; unknown key types are skipped', () => {
  const r = structuredClone(w.trustedRoot) as any;
  const der = Buffer.from(r.certificateAuthorities[0].certChain.certificates[0].rawBytes, 'base64');
  der[der.length - 5]! ^= 1;
  r.certificateAuthorities[0].certChain.certificates[0].rawBytes = der.toString('base64');
  r.tlogs.push({ ...r.tlogs[0], publicKey: { ...r.tlogs[0].publicKey, keyDetails: 'ML_DSA_65' } });
  const t = parseTrustedRoot(r);
  assert.match(t.certificateAuthorities[0]!.error ?? '', /self-signed/);
  assert.equal(t.caBySubject.size, 0);
  assert.equal(t.tlogs.length, 1);
  assert.equal(t.skipped.length, 2);
});

test('the real public-good and staging roots parse with every CA chain verified', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const path = await import('node:path');
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/vectors/bundles');
  for (const f of ['trusted_root.public-good.json', 'trusted_root.staging.json']) {
    const t = parseTrustedRoot(readFileSync(path.join(dir, f)));
    assert.deepEqual(t.skipped, [], f);
    assert.ok(t.timestampAuthorities.every((a) => a.error === undefined));
  }
});
