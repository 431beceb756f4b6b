import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS, SigilError, type SigilErrorCode } from '@sigil/core';
import { ENTRY_KINDS, admitEntry, describeBody } from './registry.js';
import { TEST_CERT_PEM } from './testdata.js';
import {
  b64, clone, dsseProposal, envelopeFor, hashedRekordProposal, intotoProposal, makeKey, readJson, signDsse, statement, vectorPath,
} from './test-helpers.js';

/* The table edits proposals as untyped JSON. */
 

const p256 = makeKey('p256');
const other = makeKey('p256');
const HASHED = hashedRekordProposal({ key: p256 }).proposal;
const payload = statement([{ name: 'a', digest: { sha256: 'a'.repeat(64) } }]);
const ENVELOPE = envelopeFor([p256], payload);
const DSSE = dsseProposal(ENVELOPE, [p256.pem]);
const INTOTO = intotoProposal(ENVELOPE, [p256.pem]);

const nested = (depth: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};
const flipByte = (text: string, at = 8): string => {
  const bytes = Buffer.from(text, 'base64');
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return b64(bytes);
};
const pemBlock = (type: string, der: Buffer | string): string =>
  `-----BEGIN ${type}-----\n${Buffer.from(der).toString('base64')}\n-----END ${type}-----\n`;
const HUGE = 'A'.repeat(10 * 1024 * 1024);

function hashed(edit: (p: any) => void): unknown {
  const p = clone(HASHED) as any;
  edit(p);
  return p;
}
function dsse(edit: (p: any, env: any) => void): unknown {
  const env = clone(ENVELOPE) as any;
  const p = clone(DSSE) as any;
  const original: unknown = p.spec.proposedContent.envelope;
  edit(p, env);
  const content = p.spec?.proposedContent;
  if (content && content.envelope === original) content.envelope = JSON.stringify(env);
  return p;
}
function intoto(edit: (p: any) => void): unknown {
  const p = clone(INTOTO) as any;
  edit(p);
  return p;
}
const withKey = (key: ReturnType<typeof makeKey>, pem = key.pem): unknown => hashedRekordProposal({ key, pem }).proposal;

interface Case {
  name: string;
  entry: unknown;
  code?: SigilErrorCode;
  /** Text the message must contain (usually the field name). */
  field?: string;
}

const ed = makeKey('ed25519');
const cases: Case[] = [
  // Envelope of the proposal itself.
  { name: 'null', entry: null, code: 'ERR_ENTRY_INVALID' },
  { name: 'array', entry: [HASHED], code: 'ERR_ENTRY_INVALID' },
  { name: 'string', entry: 'hashedrekord', code: 'ERR_ENTRY_INVALID' },
  { name: 'number', entry: 42, code: 'ERR_ENTRY_INVALID' },
  { name: 'missing kind', entry: hashed((p) => delete p.kind), code: 'ERR_ENTRY_INVALID', field: 'kind' },
  { name: 'kind is a number', entry: hashed((p) => (p.kind = 7)), code: 'ERR_ENTRY_INVALID', field: 'kind' },
  { name: 'unknown kind', entry: hashed((p) => (p.kind = 'rekord')), code: 'ERR_UNSUPPORTED_KIND', field: 'rekord' },
  { name: 'wrong hashedrekord apiVersion', entry: hashed((p) => (p.apiVersion = '0.0.2')), code: 'ERR_UNSUPPORTED_KIND', field: '0.0.2' },
  { name: 'wrong dsse apiVersion', entry: dsse((p) => (p.apiVersion = '0.0.2')), code: 'ERR_UNSUPPORTED_KIND' },
  { name: 'wrong intoto apiVersion', entry: intoto((p) => (p.apiVersion = '0.0.1')), code: 'ERR_UNSUPPORTED_KIND' },
  { name: 'apiVersion is a number', entry: hashed((p) => (p.apiVersion = 1)), code: 'ERR_ENTRY_INVALID', field: 'apiVersion' },
  { name: 'missing spec', entry: hashed((p) => delete p.spec), code: 'ERR_ENTRY_INVALID', field: 'spec' },
  { name: 'spec is null', entry: hashed((p) => (p.spec = null)), code: 'ERR_ENTRY_INVALID', field: 'spec' },
  { name: 'unknown top-level field', entry: hashed((p) => (p.extra = 1)), code: 'ERR_ENTRY_INVALID', field: 'extra' },
  { name: 'unknown field in signature', entry: hashed((p) => (p.spec.signature.format = 'x509')), code: 'ERR_ENTRY_INVALID', field: 'spec.signature' },
  { name: '100-deep nesting in a field', entry: hashed((p) => (p.spec.data = nested(100))), code: 'ERR_ENTRY_INVALID', field: 'spec.data' },
  { name: '100-deep nesting as an unknown field', entry: hashed((p) => (p.spec.deep = nested(100))), code: 'ERR_ENTRY_INVALID', field: 'deep' },
  { name: '100000-deep JSON', entry: JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), code: 'ERR_ENTRY_INVALID' },

  // hashedrekord (RS-05, RS-06).
  { name: 'signature content is a number', entry: hashed((p) => (p.spec.signature.content = 12)), field: 'spec.signature.content' },
  { name: 'signature content empty', entry: hashed((p) => (p.spec.signature.content = '')), field: 'spec.signature.content' },
  { name: 'signature content not base64', entry: hashed((p) => (p.spec.signature.content = 'MEUC!!!')), code: 'ERR_ENCODING', field: 'spec.signature.content' },
  { name: 'signature content 10 MB', entry: hashed((p) => (p.spec.signature.content = HUGE)), field: 'spec.signature.content' },
  { name: 'flipped signature byte', entry: hashed((p) => (p.spec.signature.content = flipByte(p.spec.signature.content))), code: 'ERR_ENTRY_SIGNATURE' },
  { name: 'signature by another key', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(other.pem))), code: 'ERR_ENTRY_SIGNATURE' },
  { name: 'digest of another artifact', entry: hashed((p) => (p.spec.data.hash.value = 'ab'.repeat(32))), code: 'ERR_ENTRY_SIGNATURE' },
  { name: 'unknown hash algorithm', entry: hashed((p) => (p.spec.data.hash.algorithm = 'md5')), code: 'ERR_ENTRY_INVALID', field: 'spec.data.hash.algorithm' },
  { name: 'sha256 with 40 hex', entry: hashed((p) => (p.spec.data.hash.value = 'a'.repeat(40))), code: 'ERR_ENTRY_INVALID', field: 'spec.data.hash.value' },
  { name: 'sha384 with 64 hex', entry: hashed((p) => (p.spec.data.hash.algorithm = 'sha384')), code: 'ERR_ENTRY_INVALID', field: 'spec.data.hash.value' },
  { name: 'uppercase hex digest', entry: hashed((p) => (p.spec.data.hash.value = p.spec.data.hash.value.toUpperCase())), code: 'ERR_ENCODING', field: 'lowercase' },
  { name: 'non-hex digest', entry: hashed((p) => (p.spec.data.hash.value = 'zz'.repeat(32))), code: 'ERR_ENCODING', field: 'spec.data.hash.value' },
  { name: 'empty digest', entry: hashed((p) => (p.spec.data.hash.value = '')), field: 'spec.data.hash.value' },
  { name: 'digest is a number', entry: hashed((p) => (p.spec.data.hash.value = 1234)), field: 'spec.data.hash.value' },
  { name: 'missing data.hash', entry: hashed((p) => delete p.spec.data.hash), field: 'spec.data.hash' },
  { name: 'publicKey is a string', entry: hashed((p) => (p.spec.signature.publicKey = b64(p256.pem))), field: 'spec.signature.publicKey' },
  { name: 'publicKey not base64', entry: hashed((p) => (p.spec.signature.publicKey.content = '-----BEGIN')), code: 'ERR_ENCODING', field: 'spec.signature.publicKey.content' },
  { name: 'publicKey not PEM', entry: hashed((p) => (p.spec.signature.publicKey.content = b64('hello world'))), code: 'ERR_ENCODING', field: 'spec.signature.publicKey.content' },
  { name: 'publicKey binary DER', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(p256.publicKey.export({ type: 'spki', format: 'der' })))), code: 'ERR_ENCODING' },
  { name: 'publicKey is a PRIVATE KEY', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(p256.privateKey.export({ type: 'pkcs8', format: 'pem' })))), code: 'ERR_ENCODING', field: 'PRIVATE KEY' },
  { name: 'publicKey garbage DER', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(pemBlock('PUBLIC KEY', 'not a key at all')))), code: 'ERR_ENCODING' },
  { name: 'publicKey PEM with trailing junk', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(`${p256.pem}junk-----`))), code: 'ERR_ENCODING' },
  { name: 'publicKey 100 KiB', entry: hashed((p) => (p.spec.signature.publicKey.content = 'A'.repeat(100 * 1024))), field: 'spec.signature.publicKey.content' },
  { name: 'certificate garbage DER', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(pemBlock('CERTIFICATE', 'nope')))), code: 'ERR_ENCODING', field: 'certificate' },
  { name: 'certificate chain', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(TEST_CERT_PEM + TEST_CERT_PEM))), code: 'ERR_ENTRY_INVALID', field: 'chain' },
  { name: 'certificate for another key', entry: hashed((p) => (p.spec.signature.publicKey.content = b64(TEST_CERT_PEM))), code: 'ERR_ENTRY_SIGNATURE' },
  { name: 'Ed25519 with sha256', entry: hashedRekordProposal({ key: ed, alg: 'sha256' }).proposal, code: 'ERR_ENTRY_INVALID', field: 'Ed25519' },
  { name: 'RSA-1024 key', entry: withKey(makeKey('rsa1024')), code: 'ERR_UNSUPPORTED_KEY', field: '1024' },
  { name: 'secp256k1 key', entry: withKey(makeKey('secp256k1')), code: 'ERR_UNSUPPORTED_KEY', field: 'secp256k1' },

  // dsse (RS-01, RS-02).
  { name: 'dsse: empty signatures array', entry: dsse((_p, env) => (env.signatures = [])), code: 'ERR_ENTRY_INVALID', field: 'spec.proposedContent.envelope.signatures' },
  { name: 'dsse: payload null', entry: dsse((_p, env) => (env.payload = null)), code: 'ERR_ENTRY_INVALID', field: 'spec.proposedContent.envelope.payload' },
  { name: 'dsse: payload empty', entry: dsse((_p, env) => (env.payload = '')), code: 'ERR_ENTRY_INVALID', field: 'spec.proposedContent.envelope.payload' },
  { name: 'dsse: payload missing', entry: dsse((_p, env) => delete env.payload), code: 'ERR_ENTRY_INVALID', field: 'payload' },
  { name: 'dsse: payload not base64', entry: dsse((_p, env) => (env.payload = '{"x":1}')), code: 'ERR_ENCODING', field: 'payload' },
  { name: 'dsse: missing envelope', entry: dsse((p) => delete p.spec.proposedContent.envelope), code: 'ERR_ENTRY_INVALID', field: 'spec.proposedContent.envelope' },
  { name: 'dsse: envelope as an object', entry: dsse((p, env) => (p.spec.proposedContent.envelope = env)), code: 'ERR_ENTRY_INVALID', field: 'spec.proposedContent.envelope' },
  { name: 'dsse: envelope not JSON', entry: dsse((p) => (p.spec.proposedContent.envelope = '{payload:')), code: 'ERR_ENTRY_INVALID', field: 'JSON' },
  { name: 'dsse: envelope is a JSON array', entry: dsse((p) => (p.spec.proposedContent.envelope = '[]')), code: 'ERR_ENTRY_INVALID', field: 'spec.proposedContent.envelope' },
  { name: 'dsse: envelope 5 MB', entry: dsse((p) => (p.spec.proposedContent.envelope = HUGE.slice(0, 5 * 1024 * 1024))), field: 'spec.proposedContent.envelope' },
  { name: 'dsse: unknown envelope field', entry: dsse((_p, env) => (env.extra = true)), code: 'ERR_ENTRY_INVALID', field: 'extra' },
  { name: 'dsse: sig is a number', entry: dsse((_p, env) => (env.signatures[0].sig = 5)), code: 'ERR_ENTRY_INVALID', field: 'signatures[0].sig' },
  { name: 'dsse: 17 signatures', entry: dsse((_p, env) => (env.signatures = Array(17).fill(env.signatures[0]))), field: 'signatures' },
  { name: 'dsse: flipped signature byte', entry: dsse((_p, env) => (env.signatures[0].sig = flipByte(env.signatures[0].sig))), code: 'ERR_ENTRY_SIGNATURE' },
  { name: 'dsse: payload changed', entry: dsse((_p, env) => (env.payload = b64('{"other":true}'))), code: 'ERR_ENTRY_SIGNATURE' },
  { name: 'dsse: verifiers empty', entry: dsse((p) => (p.spec.proposedContent.verifiers = [])), code: 'ERR_ENTRY_INVALID', field: 'spec.proposedContent.verifiers' },
  { name: 'dsse: verifier not PEM', entry: dsse((p) => (p.spec.proposedContent.verifiers = [b64('ssh-ed25519 AAAA')])), code: 'ERR_ENCODING', field: 'spec.proposedContent.verifiers[0]' },
  { name: 'dsse: verifier is a number', entry: dsse((p) => (p.spec.proposedContent.verifiers = [1])), code: 'ERR_ENTRY_INVALID', field: 'verifiers[0]' },
  { name: 'dsse: idle extra verifier', entry: dsse((p) => p.spec.proposedContent.verifiers.push(b64(other.pem))), code: 'ERR_ENTRY_SIGNATURE', field: 'verifiers[1]' },
  { name: 'dsse: RSA-1024 verifier', entry: dsse((p) => (p.spec.proposedContent.verifiers = [b64(makeKey('rsa1024').pem)])), code: 'ERR_UNSUPPORTED_KEY' },
  {
    name: 'dsse: canonical form as proposal',
    entry: { apiVersion: '0.0.1', kind: 'dsse', spec: { envelopeHash: { algorithm: 'sha256', value: 'a'.repeat(64) }, payloadHash: { algorithm: 'sha256', value: 'a'.repeat(64) }, signatures: [] } },
    code: 'ERR_ENTRY_INVALID',
    field: 'canonical form',
  },
  {
    name: 'dsse: Ed25519 signature over another payload',
    entry: (() => {
      const env = { payload: b64('x'), payloadType: 'text/plain', signatures: [{ sig: b64(signDsse(ed, 'text/plain', Buffer.from('y'))) }] };
      return dsseProposal(env, [ed.pem]);
    })(),
    code: 'ERR_ENTRY_SIGNATURE',
  },

  // intoto (RS-01).
  { name: 'intoto: empty signatures array', entry: intoto((p) => (p.spec.content.envelope.signatures = [])), code: 'ERR_ENTRY_INVALID', field: 'spec.content.envelope.signatures' },
  { name: 'intoto: payload null', entry: intoto((p) => (p.spec.content.envelope.payload = null)), code: 'ERR_ENTRY_INVALID', field: 'spec.content.envelope.payload' },
  { name: 'intoto: missing envelope', entry: intoto((p) => delete p.spec.content.envelope), code: 'ERR_ENTRY_INVALID', field: 'spec.content.envelope' },
  { name: 'intoto: publicKey not PEM', entry: intoto((p) => (p.spec.content.envelope.signatures[0].publicKey = b64('not a pem'))), code: 'ERR_ENCODING', field: 'signatures[0].publicKey' },
  { name: 'intoto: publicKey missing', entry: intoto((p) => delete p.spec.content.envelope.signatures[0].publicKey), code: 'ERR_ENTRY_INVALID', field: 'publicKey' },
  { name: 'intoto: sig single-encoded', entry: intoto((p) => (p.spec.content.envelope.signatures[0].sig = ENVELOPE.signatures[0]!.sig)), code: 'ERR_ENCODING', field: 'sig' },
  { name: 'intoto: flipped sig', entry: intoto((p) => (p.spec.content.envelope.signatures[0].sig = b64(flipByte(ENVELOPE.signatures[0]!.sig)))), code: 'ERR_ENTRY_SIGNATURE' },
  { name: 'intoto: hash missing', entry: intoto((p) => delete p.spec.content.hash), code: 'ERR_ENTRY_INVALID', field: 'spec.content.hash' },
  { name: 'intoto: hash uppercase', entry: intoto((p) => (p.spec.content.hash.value = p.spec.content.hash.value.toUpperCase())), code: 'ERR_ENTRY_INVALID', field: 'spec.content.hash.value' },
  { name: 'intoto: hash algorithm sha1', entry: intoto((p) => (p.spec.content.hash.algorithm = 'sha1')), code: 'ERR_ENTRY_INVALID', field: 'spec.content.hash.algorithm' },
  { name: 'intoto: payloadType empty', entry: intoto((p) => (p.spec.content.envelope.payloadType = '')), code: 'ERR_ENTRY_INVALID', field: 'payloadType' },
  {
    name: 'intoto: real leaf re-submitted',
    entry: (() => {
      const entries = readJson(vectorPath('rekor', 'logentry-intoto-public-good.json')) as Record<string, { body: string }>;
      return JSON.parse(Buffer.from(Object.values(entries)[0]!.body, 'base64').toString()) as unknown;
    })(),
    code: 'ERR_ENTRY_INVALID',
    field: 'payload',
  },
];

void test(`the malformed-proposal table has ${cases.length} cases (at least 40)`, () => {
  assert.ok(cases.length >= 40);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
});

for (const c of cases) {
  void test(`malformed: ${c.name} → 4xx SigilError`, () => {
    const started = process.hrtime.bigint();
    let thrown: unknown;
    try {
      admitEntry(c.entry);
    } catch (err) {
      thrown = err;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(thrown instanceof SigilError, `expected a SigilError, got ${String(thrown)}`);
    const status = ERRORS[thrown.code].http;
    assert.ok(status >= 400 && status < 500, `${thrown.code} is HTTP ${status}`);
    if (c.code) assert.equal(thrown.code, c.code, thrown.message);
    if (c.field) assert.ok(thrown.message.includes(c.field), `message ${JSON.stringify(thrown.message)} lacks ${c.field}`);
    assert.ok(thrown.message.length < 400, 'message is short');
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
}

void test('the registry lists hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.2', () => {
  assert.deepEqual(
    ENTRY_KINDS.map((k) => `${k.kind}/${k.apiVersion}`),
    ['hashedrekord/0.0.1', 'dsse/0.0.1', 'intoto/0.0.2'],
  );
});

void test('describeBody reads kind and apiVersion of stored leaves', () => {
  const admitted = admitEntry(DSSE);
  assert.deepEqual(describeBody(admitted.canonical), { kind: 'dsse', apiVersion: '0.0.1' });
  assert.deepEqual(describeBody(admitEntry(HASHED).canonical), { kind: 'hashedrekord', apiVersion: '0.0.1' });
  assert.throws(() => describeBody(Buffer.from('not json')), { code: 'ERR_ENTRY_INVALID' });
  assert.throws(() => describeBody(Buffer.from('{"kind":1}')), { code: 'ERR_ENTRY_INVALID' });
});

void test('an unexpected exception inside admission becomes ERR_ENTRY_INVALID', () => {
  const hostile = {
    apiVersion: '0.0.1',
    get kind(): string {
      throw new TypeError('boom');
    },
  };
  assert.throws(() => admitEntry(hostile), (err: unknown) => err instanceof SigilError && err.code === 'ERR_ENTRY_INVALID' && /boom/.test(err.message));
});
