import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throwsSigil } from '../test-support.js';
import { parseSigningConfig } from './signing-config.js';

const svc = (url: string, majorApiVersion = 1, start = '2020-01-01T00:00:00Z', end?: string) => ({ url, majorApiVersion, validFor: { start, ...(end ? { end } : {}) }, operator: 'x' });
const v02 = (o: Record<string, unknown>) => JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json', ...o });

test('v0.2: picks services valid now, in the API versions we speak, newest first', () => {
  const s = parseSigningConfig(v02({
    caUrls: [svc('https://old-ca', 1, '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z'), svc('https://ca/')],
    oidcUrls: [svc('https://oidc')],
    rekorTlogUrls: [svc('https://rekor-v2', 2), svc('https://rekor-a'), svc('https://rekor-b')],
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls: [svc('https://tsa')],
    tsaConfig: { selector: 'ALL' },
  }), new Date('2026-01-01T00:00:00Z'));
  assert.deepEqual(s, { ca: 'https://ca', oidc: 'https://oidc', tlogs: ['https://rekor-a'], tsas: ['https://tsa'] });
});

test('v0.2: ALL and EXACT selectors; a future service is not used', () => {
  const base = { caUrls: [svc('https://ca')], rekorTlogUrls: [svc('https://a'), svc('https://b'), svc('https://later', 1, '2099-01-01T00:00:00Z')] };
  assert.deepEqual(parseSigningConfig(v02({ ...base, rekorTlogConfig: { selector: 'ALL' } })).tlogs, ['https://a', 'https://b']);
  assert.deepEqual(parseSigningConfig(v02({ ...base, rekorTlogConfig: { selector: 'EXACT', count: 2 } })).tlogs, ['https://a', 'https://b']);
  throwsSigil(() => parseSigningConfig(v02({ ...base, rekorTlogConfig: { selector: 'EXACT', count: 3 } })), 'ERR_CONFIG');
});

test('v0.1 is read; malformed configs are refused with ERR_CONFIG', () => {
  assert.deepEqual(parseSigningConfig({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json', caUrl: 'https://ca', oidcUrl: 'https://oidc', tlogUrls: ['https://rekor'] }),
    { ca: 'https://ca', oidc: 'https://oidc', tlogs: ['https://rekor'], tsas: [] });
  for (const bad of [
    '{', '[]', v02({}), v02({ caUrls: [svc('https://ca')] }), v02({ caUrls: [svc('https://ca')], rekorTlogUrls: [svc('https://r', 2)] }),
    v02({ caUrls: [svc('ftp://ca')], rekorTlogUrls: [svc('https://r')] }), v02({ caUrls: 'x' }), JSON.stringify({ mediaType: 'nope' }),
    v02({ caUrls: [svc('https://ca')], rekorTlogUrls: [svc('https://r')], rekorTlogConfig: { selector: 'SOME' } }),
    'x'.repeat(300 * 1024),
  ]) throwsSigil(() => parseSigningConfig(bad), 'ERR_CONFIG', bad.slice(0, 80));
});
