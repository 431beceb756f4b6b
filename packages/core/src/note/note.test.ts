import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SigilError } from '../errors.js';
import { decodeBase64, encodeBase64 } from '../encoding/base64.js';
import { sha256 } from '../hash.js';
import {
  formatCheckpoint, formatSignedNote, noteKeyId, noteSignerFor, noteVerifierFor, parseCheckpoint, parseSignedNote, parseVerifierKey,
  signNote, verifySignedNote, type NoteVerifier,
} from './index.js';
import { vectorsDir, throwsSigil } from '../test-support.js';

const CHECKPOINTS = vectorsDir('checkpoints');

/** Ed25519 public KeyObject from its 32 raw bytes. */
function ed25519FromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

// ---------------------------------------------------------------------------------------
// checkpoints/cases.json
// ---------------------------------------------------------------------------------------

interface NoteCase {
  name: string;
  note: string;
  expect: 'valid' | 'invalid';
  why?: string;
  signerName: string;
  keyType: 'rekor-v1-ecdsa' | 'c2sp-ed25519';
  publicKeyPem?: string;
  verifierKey?: string;
  origin?: string;
  treeSize?: number;
  rootHash?: string;
}

const { cases } = JSON.parse(readFileSync(path.join(CHECKPOINTS, 'cases.json'), 'utf8')) as { cases: NoteCase[] };

function verifierFor(c: NoteCase): NoteVerifier {
  if (c.publicKeyPem !== undefined) {
    const key = createPublicKey(readFileSync(path.join(CHECKPOINTS, c.publicKeyPem)));
    return noteVerifierFor(c.signerName, key, c.keyType === 'c2sp-ed25519' ? 'c2sp' : 'spki');
  }
  assert.ok(c.verifierKey !== undefined, `${c.name} names no key`);
  const { name, keyId, rawKey } = parseVerifierKey(c.verifierKey);
  const key = ed25519FromRaw(rawKey);
  return { name, keyId, verify: (message, signature) => nodeVerify(null, message, key, signature) };
}

/** The verdict a verifier must reach: signature by the expected key, origin and (size, root) as expected. */
function judge(c: NoteCase): 'valid' | 'invalid' {
  try {
    const note = parseSignedNote(c.note);
    const signed = verifySignedNote(note, [verifierFor(c)]);
    assert.equal(signed.length, 1);
    if (c.origin !== undefined) {
      const cp = parseCheckpoint(note.text);
      if (cp.origin !== c.origin) return 'invalid';
      if (c.treeSize !== undefined && cp.size !== c.treeSize) return 'invalid';
      if (c.rootHash !== undefined && !cp.rootHash.equals(decodeBase64(c.rootHash))) return 'invalid';
    }
    return 'valid';
  } catch (err) {
    assert.ok(err instanceof SigilError, `${c.name}: expected a SigilError, got ${String(err)}`);
    assert.ok(['ERR_NOTE', 'ERR_CHECKPOINT'].includes(err.code), `${c.name}: unexpected code ${err.code}`);
    return 'invalid';
  }
}

void test('checkpoints/cases.json: every case gets its expected verdict', async (t) => {
  assert.equal(cases.length, 11);
  assert.equal(cases.filter((c) => c.expect === 'valid').length, 4);
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.equal(c.expect === 'invalid', c.name.endsWith('_fail'));
      assert.equal(judge(c), c.expect, c.why ?? c.name);
    });
  }
});

void test('checkpoints: valid Rekor checkpoints parse to the size and root the case names', () => {
  for (const c of cases.filter((x) => x.expect === 'valid' && x.origin !== undefined)) {
    const cp = parseCheckpoint(parseSignedNote(c.note).text);
    assert.equal(cp.origin, c.origin);
    assert.equal(cp.size, c.treeSize);
    assert.equal(encodeBase64(cp.rootHash), c.rootHash);
    // Re-formatting gives back the signed bytes exactly.
    assert.equal(formatCheckpoint(cp), parseSignedNote(c.note).text);
    assert.equal(formatSignedNote(parseSignedNote(c.note)), c.note);
  }
  const staging = cases.find((c) => c.name === 'rekor-v1-staging')!;
  assert.deepEqual(parseCheckpoint(parseSignedNote(staging.note).text).extensions, ['Timestamp: 1682468469199678948']);
});

void test('checkpoints: key IDs follow each rule (Rekor v1 SPKI hash, C2SP Ed25519 hash, Go vkey)', () => {
  const v1 = createPublicKey(readFileSync(path.join(CHECKPOINTS, 'rekor.sigstore.dev.pub.pem')));
  const spki = v1.export({ type: 'spki', format: 'der' });
  assert.deepEqual(noteVerifierFor('rekor.sigstore.dev', v1, 'spki').keyId, sha256(spki).subarray(0, 4));
  assert.equal(noteVerifierFor('rekor.sigstore.dev', v1, 'spki').keyId.toString('hex'), 'c0d23d6a');
  // 'c2sp' only changes the rule for Ed25519 keys.
  assert.deepEqual(noteVerifierFor('rekor.sigstore.dev', v1, 'c2sp').keyId, noteKeyId.spki(spki));

  const go = cases.find((c) => c.name === 'signed-note-go-sumdb-example')!;
  const parsed = parseVerifierKey(go.verifierKey!);
  assert.equal(parsed.name, 'PeterNeumann');
  assert.equal(parsed.keyId.toString('hex'), 'c74f20a3');
  assert.deepEqual(noteVerifierFor('PeterNeumann', ed25519FromRaw(parsed.rawKey), 'c2sp').keyId, parsed.keyId);
  // The Go note also verifies through noteVerifierFor with the c2sp rule.
  verifySignedNote(parseSignedNote(go.note), [noteVerifierFor('PeterNeumann', ed25519FromRaw(parsed.rawKey), 'c2sp')]);

  throwsSigil(() => parseVerifierKey(go.verifierKey!.replace('c74f20a3', 'c74f20a4')), 'ERR_NOTE', 'hash must match the key');
  throwsSigil(() => parseVerifierKey('PeterNeumann+c74f20a3'), 'ERR_NOTE');
  throwsSigil(() => parseVerifierKey(`${go.verifierKey!}+extra`), 'ERR_NOTE');
  throwsSigil(() => parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'ERR_NOTE', 'hash is lowercase hex');
  throwsSigil(() => parseVerifierKey('PeterNeumann+c74f20a3+ApJc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'ERR_NOTE', 'type byte must be 0x01');
  throwsSigil(() => parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T'), 'ERR_NOTE', 'key must be valid base64');
});

// ---------------------------------------------------------------------------------------
// Round trips with fresh keys
// ---------------------------------------------------------------------------------------

const CHECKPOINT_TEXT = formatCheckpoint({ origin: 'sigil.example/log', size: 42, rootHash: sha256(Buffer.from('root')), extensions: ['ext one'] });

for (const type of ['ec', 'ed25519'] as const) {
  for (const rule of ['spki', 'c2sp'] as const) {
    void test(`round trip: a fresh ${type === 'ec' ? 'P-256' : 'Ed25519'} key signs and verifies a checkpoint note (${rule} key ID)`, () => {
      const { privateKey, publicKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const signer = noteSignerFor('sigil.example/log', privateKey, publicKey, rule);
      const verifier = noteVerifierFor('sigil.example/log', publicKey, rule);
      assert.deepEqual(signer.keyId, verifier.keyId);
      const expectedId =
        type === 'ed25519' && rule === 'c2sp'
          ? noteKeyId.ed25519('sigil.example/log', publicKey.export({ type: 'spki', format: 'der' }).subarray(-32))
          : noteKeyId.spki(publicKey.export({ type: 'spki', format: 'der' }));
      assert.deepEqual(verifier.keyId, expectedId);

      const text = formatSignedNote(signNote(CHECKPOINT_TEXT, [signer]));
      assert.ok(text.startsWith(`${CHECKPOINT_TEXT}\n\u2014 sigil.example/log `));
      assert.ok(text.endsWith('\n'));
      const parsed = parseSignedNote(text);
      assert.equal(parsed.text, CHECKPOINT_TEXT);
      assert.deepEqual(verifySignedNote(parsed, [verifier]), [verifier]);
      assert.deepEqual(parseCheckpoint(parsed.text), { origin: 'sigil.example/log', size: 42, rootHash: sha256(Buffer.from('root')), extensions: ['ext one'] });

      // The same note no longer verifies once its text changes.
      throwsSigil(() => verifySignedNote({ ...parsed, text: CHECKPOINT_TEXT.replace('42', '43') }, [verifier]), 'ERR_NOTE');
    });
  }
}

void test('a note signed first by an unknown key and then by a known key verifies', () => {
  const known = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const twin = generateKeyPairSync('ed25519');
  const signers = [
    noteSignerFor('witness.example', other.privateKey, other.publicKey),
    // Same name as the known key but a different key: its key ID differs, so it is ignored too.
    noteSignerFor('log.example', twin.privateKey, twin.publicKey, 'c2sp'),
    noteSignerFor('log.example', known.privateKey, known.publicKey, 'c2sp'),
  ];
  const note = parseSignedNote(formatSignedNote(signNote('hello\nworld\n', signers)));
  assert.equal(note.signatures.length, 3);
  const verifier = noteVerifierFor('log.example', known.publicKey, 'c2sp');
  assert.deepEqual(verifySignedNote(note, [verifier]), [verifier]);
  // Only unknown signatures: refused.
  throwsSigil(() => verifySignedNote({ ...note, signatures: note.signatures.slice(0, 2) }, [verifier]), 'ERR_NOTE');
  throwsSigil(() => verifySignedNote(note, []), 'ERR_NOTE');
  // A verifier with the right key but another name does not match.
  throwsSigil(() => verifySignedNote(note, [noteVerifierFor('other.example', known.publicKey, 'spki')]), 'ERR_NOTE');
});

void test('a bad signature from a known key fails the note, even next to a good one', () => {
  const known = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = noteSignerFor('log.example', known.privateKey, known.publicKey);
  const verifier = noteVerifierFor('log.example', known.publicKey);
  const good = signNote('body\n', [signer]);
  const sig = good.signatures[0]!;
  const flipped = Buffer.from(sig.signature);
  flipped[flipped.length - 1]! ^= 0x01;
  const bad = { ...sig, signature: flipped };
  const reparsed = parseSignedNote(formatSignedNote({ text: 'body\n', signatures: [bad] }));
  throwsSigil(() => verifySignedNote(reparsed, [verifier]), 'ERR_NOTE');
  throwsSigil(() => verifySignedNote({ text: 'body\n', signatures: [sig, bad] }, [verifier]), 'ERR_NOTE');
  throwsSigil(() => verifySignedNote({ text: 'body\n', signatures: [bad, sig] }, [verifier]), 'ERR_NOTE');
  // Garbage where the DER signature should be: rejected, not thrown as a crypto error.
  throwsSigil(() => verifySignedNote({ text: 'body\n', signatures: [{ ...sig, signature: Buffer.from([1, 2, 3]) }] }, [verifier]), 'ERR_NOTE');
});

void test('malformed notes throw SigilError ERR_NOTE', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const good = formatSignedNote(signNote('text\n', [noteSignerFor('log.example', privateKey, publicKey, 'c2sp')]));
  const sigLine = good.slice(good.indexOf('\u2014'));
  const b64 = sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1);
  parseSignedNote(good);
  const bad: Record<string, string> = {
    'no blank line': `text\n${sigLine}`,
    'two blank lines (blank line in text)': `text\n\nmore\n\n${sigLine}`,
    'two blank lines (after signatures)': `${good}\n`,
    'two blank lines (before signatures)': `text\n\n\n${sigLine}`,
    'bad base64': `text\n\n\u2014 log.example ${b64.slice(1)}\n`,
    'base64 with a bad character': `text\n\n\u2014 log.example ${b64.slice(0, -2)}!=\n`,
    'missing final newline': good.slice(0, -1),
    "name with '+'": `text\n\n\u2014 log+example ${b64}\n`,
    'no signature lines': 'text\n\n',
    'hyphen instead of em dash': `text\n\n- log.example ${b64}\n`,
    'extra field': `text\n\n\u2014 log.example ${b64} extra\n`,
    'empty name': `text\n\n\u2014  ${b64}\n`,
    'signature shorter than key ID + 1 byte': `text\n\n\u2014 log.example ${encodeBase64(Buffer.alloc(4))}\n`,
    'blank line inside the signatures': `text\n\n${sigLine}\n${sigLine}`,
  };
  for (const [why, note] of Object.entries(bad)) throwsSigil(() => parseSignedNote(note), 'ERR_NOTE', why);
  throwsSigil(() => signNote('no final newline', []), 'ERR_NOTE');
  throwsSigil(() => signNote('a\n\nb\n', []), 'ERR_NOTE');
});

void test('parseCheckpoint accepts the C2SP form and rejects malformed checkpoints', () => {
  const root = encodeBase64(sha256(Buffer.from('x')));
  assert.equal(parseCheckpoint(`o\n0\n${root}\n`).size, 0);
  assert.equal(parseCheckpoint(`o\n9007199254740991\n${root}\n`).size, Number.MAX_SAFE_INTEGER);
  assert.deepEqual(parseCheckpoint(`o\n7\n${root}\nA: b\nc\n`).extensions, ['A: b', 'c']);
  const bad: Record<string, string> = {
    'leading zero size': `o\n07\n${root}\n`,
    'leading zeros size': `o\n00\n${root}\n`,
    'signed size': `o\n+7\n${root}\n`,
    'negative size': `o\n-7\n${root}\n`,
    'size with space': `o\n 7\n${root}\n`,
    'unsafe size': `o\n9007199254740992\n${root}\n`,
    'huge size': `o\n12345678901234567890\n${root}\n`,
    'root of 31 bytes': `o\n7\n${encodeBase64(Buffer.alloc(31))}\n`,
    'root of 33 bytes': `o\n7\n${encodeBase64(Buffer.alloc(33))}\n`,
    'root not base64': `o\n7\n${root.replace('=', '')}\n`,
    'root in hex': `o\n7\n${sha256(Buffer.from('x')).toString('hex')}\n`,
    'empty extension line': `o\n7\n${root}\n\n`,
    'empty extension line between': `o\n7\n${root}\nA\n\nB\n`,
    'no final newline': `o\n7\n${root}`,
    'no root': 'o\n7\n',
    'no origin': `\n7\n${root}\n`,
  };
  for (const [why, text] of Object.entries(bad)) throwsSigil(() => parseCheckpoint(text), 'ERR_CHECKPOINT', why);
  throwsSigil(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: Buffer.alloc(32), extensions: [''] }), 'ERR_CHECKPOINT');
  throwsSigil(() => formatCheckpoint({ origin: 'o\np', size: 1, rootHash: Buffer.alloc(32), extensions: [] }), 'ERR_CHECKPOINT');
});
