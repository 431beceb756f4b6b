import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jwtVerify, createLocalJWKSet } from 'jose';
import { KEYS_FILE, loadOrCreateIssuerKeys } from './keys.js';
import { startHost } from './test-support.js';

/** Answers read off the wire are typed at the assertion, not here. */
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

describe('issuer keys', () => {
  it('are created once under dataDir, mode 0600, and reused after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oidc-dev-keys-'));
    try {
      const dataDir = join(dir, 'data');
      const first = await startHost({ dataDir });
      const token = await first.dev.mintCiToken('default', 'sigstore');
      const loginJwks = await json(fetch(`${first.dev.loginIssuer}/jwks`));
      await first.close();

      const st = await stat(join(dataDir, KEYS_FILE));
      assert.equal(st.mode & 0o777, 0o600);
      const stored = JSON.parse(await readFile(join(dataDir, KEYS_FILE), 'utf8'));
      assert.notEqual(stored.login.kid, stored.ci.kid, 'one key per issuer');

      const second = await startHost({ dataDir });
      try {
        assert.deepEqual(await json(fetch(`${second.dev.loginIssuer}/jwks`)), loginJwks);
        const ciJwks = await json(fetch(`${second.dev.ciIssuer}/.well-known/jwks`));
        // A token from before the restart still verifies (issuer URL aside: new port).
        await jwtVerify(token, createLocalJWKSet(ciJwks), { audience: 'sigstore' });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('are ephemeral and distinct without dataDir', async () => {
    const a = await loadOrCreateIssuerKeys();
    const b = await loadOrCreateIssuerKeys();
    assert.notEqual(a.login.kid, b.login.kid);
    assert.equal(a.login.publicJwk.d, undefined);
    assert.equal(a.login.privateJwk.alg, 'ES256');
  });
});
