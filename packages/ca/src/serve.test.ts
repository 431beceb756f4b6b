import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { serveCa } from './serve.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-ca-serve-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

void test('serveCa: keys from the data directory, issuers from a JSON file, over HTTP', async () => {
  const config = join(tmp, 'issuers.json');
  writeFileSync(config, JSON.stringify({ OIDCIssuers: { 'https://accounts.example.com': { IssuerURL: 'https://accounts.example.com', ClientID: 'sigstore', Type: 'email' } } }));
  const s = await serveCa({ port: 0, dataDir: join(tmp, 'ca'), issuerConfig: config, password: 'pw' });
  try {
    const cfg = (await (await fetch(`${s.url}/api/v2/configuration`)).json()) as { issuers: unknown[] };
    assert.deepEqual(cfg.issuers, [{ issuerUrl: 'https://accounts.example.com', audience: 'sigstore', challengeClaim: 'email', issuerType: 'email' }]);
    const tb = (await (await fetch(`${s.url}/api/v2/trustBundle`)).json()) as { chains: Array<{ certificates: string[] }> };
    assert.equal(tb.chains[0]!.certificates.length, 2);
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
  } finally {
    await s.close();
  }
  await assert.rejects(serveCa({ port: 0, dataDir: join(tmp, 'ca'), issuerConfig: join(tmp, 'missing.json'), password: 'pw' }), (e: unknown) => isSigilError(e) && e.code === 'ERR_CONFIG');
  await assert.rejects(serveCa({ port: 0, dataDir: join(tmp, 'ca'), issuerConfig: config, password: 'wrong' }), (e: unknown) => isSigilError(e) && e.code === 'ERR_CA_UNAVAILABLE');
});
