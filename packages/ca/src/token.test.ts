import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { IssuerRegistry } from './config.js';
import { startTestIssuer, type TestIssuer } from './test-support.js';
import { TokenVerifier } from './token.js';

let A: TestIssuer;
let registry: IssuerRegistry;
before(async () => {
  A = await startTestIssuer();
  registry = IssuerRegistry.from({ OIDCIssuers: { [A.url]: { Type: 'email' } } });
});
after(() => A?.close());

const claims = { sub: 'user-1', email: 'ada@example.com', email_verified: true };
const rejected = (re: RegExp) => (e: unknown) => isSigilError(e) && e.code === 'ERR_TOKEN_INVALID' && re.test(e.message);

/** A verifier on a clock the test moves. */
function verifierAt(start: number, opts: { tokenCacheSize?: number } = {}) {
  let now = start;
  const verifier = new TokenVerifier({ registry, clock: () => new Date(now), ...opts });
  return { verifier, at: (ms: number) => void (now = ms) };
}

void test('a verified token is answered from the cache until its exp, then verified afresh', async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const token = await A.sign({ ...claims, iat: t0, exp: t0 + 300 });
  const { verifier, at } = verifierAt(t0 * 1000);
  const first = await verifier.verify(token);
  assert.deepEqual(verifier.cacheStats(), { size: 1, hits: 0 });
  for (let i = 0; i < 5; i++) assert.equal(await verifier.verify(token), first, 'the same verified result');
  assert.deepEqual(verifier.cacheStats(), { size: 1, hits: 5 });
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.claims), 'a shared result cannot be changed');
  at((t0 + 299) * 1000);
  await verifier.verify(token);
  assert.equal(verifier.cacheStats().hits, 6, 'still cached one second before exp');
  // At exp the cache no longer answers; a fresh verification still allows the 60 s skew…
  at((t0 + 330) * 1000);
  await verifier.verify(token);
  assert.equal(verifier.cacheStats().hits, 6, 'not from the cache at exp');
  // …and refuses beyond it, however often the token was accepted before.
  at((t0 + 361) * 1000);
  await assert.rejects(verifier.verify(token), rejected(/token expired/));
  assert.deepEqual(verifier.cacheStats(), { size: 0, hits: 6 });
});

void test('rejections are never cached; a changed token is another token', async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const { verifier, at } = verifierAt(t0 * 1000);
  // Not yet valid: refused now, accepted once its nbf has come (nothing remembered the refusal).
  const early = await A.sign({ ...claims, iat: t0, nbf: t0 + 600, exp: t0 + 900 });
  await assert.rejects(verifier.verify(early), rejected(/nbf/));
  await assert.rejects(verifier.verify(early), rejected(/nbf/));
  assert.deepEqual(verifier.cacheStats(), { size: 0, hits: 0 });
  at((t0 + 600) * 1000);
  await verifier.verify(early);
  assert.equal(verifier.cacheStats().size, 1);
  // A clock that steps back before nbf (less the skew) does not get the cached answer.
  at((t0 + 400) * 1000);
  await assert.rejects(verifier.verify(early), rejected(/nbf/));
  at((t0 + 600) * 1000);

  const good = await A.sign({ ...claims, iat: t0 + 600, exp: t0 + 900 });
  await verifier.verify(good);
  const hits = verifier.cacheStats().hits;
  const [h, p, s] = good.split('.') as [string, string, string];
  const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  await assert.rejects(verifier.verify(flipped), rejected(/bad signature|malformed/));
  const forged = await A.sign({ ...claims, iat: t0 + 600, exp: t0 + 900 }, { key: (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])).privateKey });
  await assert.rejects(verifier.verify(forged), rejected(/bad signature/));
  await assert.rejects(verifier.verify(forged), rejected(/bad signature/), 'refused again, not remembered');
  await assert.rejects(verifier.verify(`${good}x`), rejected(/bad signature|malformed/));
  assert.equal(verifier.cacheStats().hits, hits, 'no near miss is answered from the cache');
});

void test('the cache is bounded (least recently used dropped first) and can be turned off', async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const { verifier } = verifierAt(t0 * 1000, { tokenCacheSize: 2 });
  const [a, b, c] = await Promise.all([1, 2, 3].map((i) => A.sign({ ...claims, sub: `user-${i}`, iat: t0, exp: t0 + 300 })));
  await verifier.verify(a!);
  await verifier.verify(b!);
  await verifier.verify(a!); // a is now the most recent
  await verifier.verify(c!); // drops b
  assert.deepEqual(verifier.cacheStats(), { size: 2, hits: 1 });
  await verifier.verify(a!);
  assert.equal(verifier.cacheStats().hits, 2, 'a stayed');
  await verifier.verify(b!);
  assert.equal(verifier.cacheStats().hits, 2, 'b was dropped');
  assert.equal(verifier.cacheStats().size, 2);

  const off = verifierAt(t0 * 1000, { tokenCacheSize: 0 }).verifier;
  await off.verify(a!);
  await off.verify(a!);
  assert.deepEqual(off.cacheStats(), { size: 0, hits: 0 });
});
