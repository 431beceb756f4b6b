import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throwsSigil } from '../test-support.js';
import { buildStatement, predicateTypeOf } from './attestation.js';

test('--type shorthands map to cosign\'s predicate URIs; other values must be URIs', () => {
  assert.equal(predicateTypeOf('slsaprovenance'), 'https://slsa.dev/provenance/v0.2');
  assert.equal(predicateTypeOf('slsaprovenance1'), 'https://slsa.dev/provenance/v1');
  assert.equal(predicateTypeOf('spdxjson'), 'https://spdx.dev/Document');
  assert.equal(predicateTypeOf('cyclonedx'), 'https://cyclonedx.org/bom');
  assert.equal(predicateTypeOf('custom'), 'https://cosign.sigstore.dev/attestation/v1');
  assert.equal(predicateTypeOf('https://example.com/pred/v1'), 'https://example.com/pred/v1');
  throwsSigil(() => predicateTypeOf('slsa'), 'ERR_BAD_REQUEST');
  throwsSigil(() => predicateTypeOf('not a uri'), 'ERR_BAD_REQUEST');
});

test('statements: JSON predicates parsed, text ones kept, custom wrapped as cosign does', () => {
  const subjects = [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }];
  const s = JSON.parse(buildStatement({ type: 'slsaprovenance', predicate: Buffer.from('{"builder":{"id":"b"}}'), subjects }).toString());
  assert.deepEqual(s, { _type: 'https://in-toto.io/Statement/v1', subject: subjects, predicateType: 'https://slsa.dev/provenance/v0.2', predicate: { builder: { id: 'b' } } });
  assert.equal(JSON.parse(buildStatement({ type: 'spdx', predicate: Buffer.from('SPDXVersion: SPDX-2.2'), subjects }).toString()).predicate, 'SPDXVersion: SPDX-2.2');
  const custom = JSON.parse(buildStatement({ type: 'custom', predicate: Buffer.from('hello'), subjects, now: new Date('2026-01-02T03:04:05.678Z') }).toString());
  assert.deepEqual(custom.predicate, { Data: 'hello', Timestamp: '2026-01-02T03:04:05Z' });
  throwsSigil(() => buildStatement({ type: 'spdxjson', predicate: Buffer.from('not json'), subjects }), 'ERR_BAD_REQUEST');
  throwsSigil(() => buildStatement({ type: 'spdxjson', predicate: Buffer.from('[1]'), subjects }), 'ERR_BAD_REQUEST');
});
