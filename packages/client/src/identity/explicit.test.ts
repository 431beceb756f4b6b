import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { envToken, explicitToken } from './explicit.js';
import { fakeJwt, inAnHour } from './test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'sigil-identity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('explicit identity token', () => {
  const jwt = fakeJwt({ iss: 'https://issuer.example', email: 'a@example.com', exp: inAnHour() });

  it('takes a JWT value as is', async () => {
    const token = await explicitToken(jwt);
    assert.equal(token.token, jwt);
    assert.equal(token.source, 'explicit');
    assert.equal(token.claims.email, 'a@example.com');
  });

  it('reads a file holding one (trailing newline and all)', async () => {
    const path = join(dir, 'token.jwt');
    writeFileSync(path, `${jwt}\n`);
    const token = await explicitToken(path);
    assert.equal(token.token, jwt);
    assert.equal(token.source, 'explicit');
  });

  it('names the file when its contents are not a JWT', async () => {
    const path = join(dir, 'garbage.txt');
    writeFileSync(path, 'hello\n');
    await assert.rejects(explicitToken(path), (err: any) => {
      assert.equal(err.code, 'ERR_IDENTITY');
      assert.match(err.message, /^the identity token file .*garbage\.txt: the identity token is not a well-formed JWT/);
      return true;
    });
  });

  it('refuses a value that is neither a JWT nor a file, without quoting it', async () => {
    const mangled = `${jwt.slice(0, 40)}`;
    await assert.rejects(explicitToken(mangled), (err: any) => {
      assert.equal(err.code, 'ERR_IDENTITY');
      assert.match(err.message, /neither a JWT nor a readable file \(ENOENT\)/);
      assert.ok(!err.message.includes(mangled));
      return true;
    });
    await assert.rejects(explicitToken('   '), /it is empty/);
  });

  it('refuses an oversized file without reading all of it', async () => {
    const path = join(dir, 'big.jwt');
    writeFileSync(path, 'a'.repeat(200_000));
    await assert.rejects(explicitToken(path), /larger than 65536 bytes/);
  });
});

describe('SIGSTORE_ID_TOKEN', () => {
  it('is used when set, ignored when unset or blank', () => {
    const jwt = fakeJwt({ iss: 'https://ci.example', sub: 'job' });
    assert.equal(envToken({ env: {} }), undefined);
    assert.equal(envToken({ env: { SIGSTORE_ID_TOKEN: ' ' } }), undefined);
    const token = envToken({ env: { SIGSTORE_ID_TOKEN: jwt } });
    assert.equal(token?.token, jwt);
    assert.equal(token?.source, 'env');
  });

  it('refuses an expired one, naming the variable', () => {
    const jwt = fakeJwt({ iss: 'https://ci.example', exp: Math.floor(Date.now() / 1000) - 5 });
    assert.throws(() => envToken({ env: { SIGSTORE_ID_TOKEN: jwt } }), /^SigilError: SIGSTORE_ID_TOKEN: the identity token expired at/);
  });
});
