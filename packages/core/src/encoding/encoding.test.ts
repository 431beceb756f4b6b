import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SigilError, type SigilErrorCode } from '../errors.js';
import { decodeBase64, encodeBase64, isBase64 } from './base64.js';
import { canonicalJson, canonicalJsonBytes } from './canonical-json.js';
import { decodeHex, encodeHex } from './hex.js';
import { decodePem, decodePemBlocks, encodePem } from './pem.js';

function throwsSigil(fn: () => unknown, code: SigilErrorCode, message?: string): void {
  assert.throws(fn, (err: unknown) => err instanceof SigilError && err.code === code, message);
}

// ---------------------------------------------------------------------------------------
// base64
// ---------------------------------------------------------------------------------------

void test('decodeBase64 returns the exact bytes for every length, and encodeBase64 inverts it', () => {
  for (let len = 0; len <= 64; len++) {
    const bytes = randomBytes(len);
    const text = encodeBase64(bytes);
    assert.equal(text, bytes.toString('base64'));
    assert.ok(isBase64(text));
    assert.deepEqual(decodeBase64(text), bytes);
  }
  assert.deepEqual(decodeBase64(''), Buffer.alloc(0));
  assert.deepEqual(decodeBase64('+/+/'), Buffer.from([0xfb, 0xff, 0xbf]));
  assert.equal(decodeBase64('aGVsbG8=').toString(), 'hello');
});

void test('encodeBase64 and encodeHex encode exactly the view they are given (offset subarrays)', () => {
  const backing = Buffer.from('0123456789abcdef');
  const view = backing.subarray(3, 8);
  assert.equal(encodeBase64(view), Buffer.from('34567').toString('base64'));
  assert.equal(encodeHex(view), Buffer.from('34567').toString('hex'));
  const u8 = new Uint8Array(backing.buffer, backing.byteOffset + 10, 2);
  assert.equal(encodeHex(u8), Buffer.from('ab').toString('hex'));
  assert.equal(encodeBase64(u8), Buffer.from('ab').toString('base64'));
});

void test('decodeBase64 rejects whitespace, URL-safe characters and bad padding with ERR_ENCODING', () => {
  const bad = [
    'aGVs bG8=', 'aGVsbG8=\n', ' aGVsbG8=', 'aGVs\nbG8=', 'aGVs\tbG8=', 'aGVsbG8=\r\n', // whitespace
    'a-_b', '-___', 'aGVsbG8_', // URL-safe alphabet
    'aGVsbG8', 'aGVsbA', 'aGVsb', 'a', 'aGVsbG8==', 'aGVsbA=', 'aGVsbA===', 'a===', '====', '=AAA', 'AA==AA==', 'AAA=AAAA', // padding
    'aGVs!G8=', 'aGVs.G8=', 'ü+++', // foreign characters
  ];
  for (const text of bad) {
    assert.equal(isBase64(text), false, JSON.stringify(text));
    throwsSigil(() => decodeBase64(text), 'ERR_ENCODING', JSON.stringify(text));
  }
  assert.throws(() => decodeBase64('abc', 'the widget'), /the widget is not valid base64/);
});

// ---------------------------------------------------------------------------------------
// hex
// ---------------------------------------------------------------------------------------

void test('decodeHex accepts lowercase hex only, of even length, and of the stated length', () => {
  assert.deepEqual(decodeHex(''), Buffer.alloc(0));
  assert.deepEqual(decodeHex('00ff10ab'), Buffer.from([0x00, 0xff, 0x10, 0xab]));
  assert.deepEqual(decodeHex('abcd', 'x', 2), Buffer.from([0xab, 0xcd]));
  const bytes = randomBytes(48);
  assert.deepEqual(decodeHex(encodeHex(bytes), 'x', 48), bytes);
  for (const text of ['AB', 'aB', '00FF', 'abc', 'a', 'zz', '0x12', ' 12', '12 ', '12\n', 'g0', '-1']) {
    throwsSigil(() => decodeHex(text), 'ERR_ENCODING', JSON.stringify(text));
  }
  throwsSigil(() => decodeHex('abcd', 'x', 3), 'ERR_ENCODING', 'too short');
  throwsSigil(() => decodeHex('abcdef', 'x', 2), 'ERR_ENCODING', 'too long');
  throwsSigil(() => decodeHex('', 'x', 32), 'ERR_ENCODING', 'empty');
  assert.throws(() => decodeHex('ab', 'root hash', 32), /root hash must be 64 hex characters/);
});

// ---------------------------------------------------------------------------------------
// PEM
// ---------------------------------------------------------------------------------------

void test('PEM: encodePem writes 64-column lines and a final newline, and decodePem reads it back', () => {
  for (const len of [0, 1, 2, 3, 47, 48, 49, 96, 100, 1000]) {
    const der = randomBytes(len);
    const pem = encodePem('PUBLIC KEY', der);
    assert.ok(pem.startsWith('-----BEGIN PUBLIC KEY-----\n'));
    assert.ok(pem.endsWith('\n-----END PUBLIC KEY-----\n'));
    const body = pem.split('\n').slice(1, -2);
    for (const line of body.slice(0, -1)) assert.equal(line.length, 64);
    assert.ok((body.at(-1) ?? '').length <= 64);
    assert.equal(body.join(''), der.toString('base64'));
    const block = decodePem(pem, ['PUBLIC KEY']);
    assert.equal(block.type, 'PUBLIC KEY');
    assert.deepEqual(block.der, der);
  }
});

void test('PEM: several blocks decode in order, with text around them and CRLF line ends', () => {
  const a = randomBytes(300);
  const b = randomBytes(20);
  const c = randomBytes(70);
  const text = [
    'subject=CN=leaf\n',
    encodePem('CERTIFICATE', a),
    'issuer: whatever\n\n',
    encodePem('CERTIFICATE', b).replace(/\n/g, '\r\n'),
    encodePem('EC PRIVATE KEY', c),
  ].join('');
  const blocks = decodePemBlocks(text);
  assert.deepEqual(blocks.map((x) => x.type), ['CERTIFICATE', 'CERTIFICATE', 'EC PRIVATE KEY']);
  assert.deepEqual(blocks[0]!.der, a);
  assert.deepEqual(blocks[1]!.der, b);
  assert.deepEqual(blocks[2]!.der, c);
  assert.deepEqual(decodePemBlocks('no pem here'), []);
  // decodePem wants exactly one block, of an allowed type.
  throwsSigil(() => decodePem(text), 'ERR_ENCODING', 'three blocks');
  throwsSigil(() => decodePem('nothing'), 'ERR_ENCODING', 'no block');
  throwsSigil(() => decodePem(encodePem('CERTIFICATE', a), ['PUBLIC KEY']), 'ERR_ENCODING', 'wrong type');
  assert.deepEqual(decodePem(encodePem('CERTIFICATE', a), ['PUBLIC KEY', 'CERTIFICATE']).der, a);
});

void test('PEM: headers, bad base64 and mismatched END lines are refused', () => {
  const der = randomBytes(40);
  const good = encodePem('PUBLIC KEY', der);
  const withHeader = good.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n');
  throwsSigil(() => decodePem(withHeader), 'ERR_ENCODING', 'RFC 1421 headers');
  throwsSigil(() => decodePem(good.replace(/\n(.)/, '\n!$1')), 'ERR_ENCODING', 'bad character');
  throwsSigil(() => decodePem(good.replace('=', '')), 'ERR_ENCODING', 'bad padding');
  throwsSigil(() => decodePem(good.replace('-----END PUBLIC KEY-----', '-----END CERTIFICATE-----')), 'ERR_ENCODING', 'mismatched END');
  throwsSigil(() => decodePem(good.replace(/-----END PUBLIC KEY-----\n$/, '')), 'ERR_ENCODING', 'no END');
});

// ---------------------------------------------------------------------------------------
// canonical JSON (RFC 8785)
// ---------------------------------------------------------------------------------------

void test('canonicalJson: RFC 8785 §3.2.4 sample (numbers, string escapes, literals)', () => {
  const input = String.raw`{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  }`;
  const want = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
  assert.equal(canonicalJson(JSON.parse(input)), want);
  assert.deepEqual(canonicalJsonBytes(JSON.parse(input)), Buffer.from(want, 'utf8'));
});

void test('canonicalJson: RFC 8785 §3.2.3 keys sort by UTF-16 code units', () => {
  const input = String.raw`{
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  }`;
  const want =
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
    '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
  assert.equal(canonicalJson(JSON.parse(input)), want);
  // U+1F600 (surrogates D83D DE00) sorts before U+FB33 by UTF-16, though after it by code point.
  assert.equal(canonicalJson({ '\ufb33': 1, '\u{1f600}': 2 }), '{"\u{1f600}":2,"\ufb33":1}');
  // Nested objects sort too; arrays keep their order.
  assert.equal(canonicalJson({ b: [3, 1, { z: 1, a: 2 }], a: { y: null, x: true } }), '{"a":{"x":true,"y":null},"b":[3,1,{"a":2,"z":1}]}');
});

void test('canonicalJson: RFC 8785 number serialisation (ECMAScript Number::toString)', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [-0, '0'],
    [1, '1'],
    [-1.5, '-1.5'],
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [999999999999999900000, '999999999999999900000'],
    [1e23, '1e+23'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-1.7976931348623157e308, '-1.7976931348623157e+308'],
    [333333333.3333333, '333333333.3333333'],
    [9007199254740992, '9007199254740992'],
    [295147905179352830000, '295147905179352830000'],
    [4.5, '4.5'],
  ];
  for (const [n, want] of cases) assert.equal(canonicalJson(n), want, `${n}`);
  assert.equal(canonicalJson({ integratedTime: 1682468469, logIndex: 7390977 }), '{"integratedTime":1682468469,"logIndex":7390977}');
  assert.throws(() => canonicalJson(Number.NaN));
  assert.throws(() => canonicalJson([Number.POSITIVE_INFINITY]));
});

void test('canonicalJson: strings escape only what RFC 8785 escapes', () => {
  assert.equal(canonicalJson('\u0000\u0001\u001f'), '"\\u0000\\u0001\\u001f"');
  assert.equal(canonicalJson('\b\t\n\f\r'), '"\\b\\t\\n\\f\\r"');
  assert.equal(canonicalJson('"\\/'), '"\\"\\\\/"');
  // DEL, non-ASCII, U+2028/2029 and astral characters are written as themselves (UTF-8).
  assert.equal(canonicalJson('\u007f\u00e9\u2028\u2029\u{1f600}'), '"\u007f\u00e9\u2028\u2029\u{1f600}"');
  assert.deepEqual(canonicalJsonBytes('é'), Buffer.from([0x22, 0xc3, 0xa9, 0x22]));
  // Lone surrogates cannot be written as UTF-8: refused.
  assert.throws(() => canonicalJson('\ud800'));
  assert.throws(() => canonicalJson({ '\udc00x': 1 }));
});

void test('canonicalJson: undefined members are dropped like JSON.stringify, a bare undefined is refused', () => {
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.equal(canonicalJson([undefined]), '[null]');
  assert.throws(() => canonicalJson(undefined), TypeError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => canonicalJson(cyclic));
});
