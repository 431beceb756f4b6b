import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readIdentityToken } from './claims.js';
import { fakeJwt, inAnHour } from './test-support.js';

const read = (token: string, now?: number) => readIdentityToken(token, 'env', 'SIGSTORE_ID_TOKEN', now);

/** Asserts ERR_IDENTITY whose message matches `pattern` and does not quote the token. */
function refuses(token: string, pattern: RegExp, now?: number): void {
  assert.throws(() => read(token, now), (err: any) => {
    assert.equal(err.code, 'ERR_IDENTITY');
    assert.match(err.message, /^SIGSTORE_ID_TOKEN: /);
    assert.match(err.message, pattern);
    for (const part of token.split('.')) if (part.length > 8) assert.ok(!err.message.includes(part), 'the message quotes the token');
    return true;
  });
}

describe('identity token claims', () => {
  it('reads iss, sub, email and exp, and trims surrounding whitespace', () => {
    const exp = inAnHour();
    const jwt = fakeJwt({ iss: 'https://issuer.example', sub: 'u1', email: 'a@example.com', exp, aud: 'sigstore', extra: 1 });
    const token = read(`  ${jwt}\n`);
    assert.equal(token.token, jwt);
    assert.equal(token.source, 'env');
    assert.deepEqual(token.claims, { iss: 'https://issuer.example', sub: 'u1', email: 'a@example.com', exp });
  });

  it('leaves out claims that are absent or not strings', () => {
    const token = read(fakeJwt({ iss: 'https://i', sub: 42 }));
    assert.deepEqual(token.claims, { iss: 'https://i' });
  });

  it('refuses what is not a JWT', () => {
    refuses('', /empty/);
    refuses('abc.def', /three dot-separated parts, this has 2/);
    refuses('not a jwt at all', /three dot-separated parts/);
    refuses(`${fakeJwt({ iss: 'https://i' })}.extra`, /this has 4/);
    const [h, p] = fakeJwt({ iss: 'https://i' }).split('.');
    refuses(`${h}.${p}.`, /no signature/);
    refuses(`${h}.${p}.sig+nature`, /no signature/);
    refuses(`${Buffer.from('nope').toString('base64url')}.${p}.c2ln`, /header is not base64url-encoded JSON/);
    refuses(`${h}.${Buffer.from('[1]').toString('base64url')}.c2ln`, /payload is not base64url-encoded JSON/);
    refuses(`${h}.pay load.c2ln`, /payload is not base64url-encoded JSON/);
  });

  it('refuses an unsigned (alg none) token and one without an issuer', () => {
    refuses(fakeJwt({ iss: 'https://i' }, { alg: 'none' }), /names no signature algorithm/);
    refuses(fakeJwt({ iss: 'https://i' }, { typ: 'JWT' }), /names no signature algorithm/);
    refuses(fakeJwt({ sub: 'x' }), /names no issuer/);
    refuses(fakeJwt({ iss: '' }), /names no issuer/);
  });

  it('refuses an expired token, saying when it expired', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    const exp = now / 1000 - 90;
    refuses(fakeJwt({ iss: 'https://i', exp }), /expired at 2025-01-01T11:58:30\.000Z \(90 s ago\)/, now);
    refuses(fakeJwt({ iss: 'https://i', exp: now / 1000 }), /expired/, now);
    refuses(fakeJwt({ iss: 'https://i', exp: '2030' }), /exp claim that is not a number/, now);
    assert.equal(read(fakeJwt({ iss: 'https://i', exp: now / 1000 + 1 }), now).claims.exp, now / 1000 + 1);
  });

  it('refuses an absurdly long token', () => {
    refuses(fakeJwt({ iss: 'https://i', pad: 'x'.repeat(70_000) }), /longer than 65536/);
  });
});
