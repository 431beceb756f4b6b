import { createHash, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { SigilError } from '../errors.js';
import { decodeBase64, encodeBase64, isBase64 } from '../encoding/base64.js';

/**
 * C2SP signed-note: `text` (ending in "\n"), a blank line, then signature lines
 * `— <name> <base64(keyID[4] || signature)>`.
 */
export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

export interface SignedNote {
  /** The signed text, including its final newline. */
  text: string;
  signatures: NoteSignature[];
}

const MAX_NOTE = 1 << 20;
const MAX_SIGNATURES = 100;
const SIG_PREFIX = '\u2014 ';

export function parseSignedNote(note: string): SignedNote {
  if (note.length > MAX_NOTE) throw new SigilError('ERR_NOTE', 'note is too large');
  // Go splits at the last blank line, sigstore-js at the first; a note whose text has a
  // blank line reads differently to each, so refuse it outright.
  const split = note.indexOf('\n\n');
  if (split < 0 || note.indexOf('\n\n', split + 1) >= 0) throw new SigilError('ERR_NOTE', 'note must have exactly one blank line');
  const text = note.slice(0, split + 1);
  const rest = note.slice(split + 2);
  if (!rest.endsWith('\n')) throw new SigilError('ERR_NOTE', 'note signatures must end in a newline');
  const lines = rest.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new SigilError('ERR_NOTE', 'note has too many signatures');
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIG_PREFIX)) throw new SigilError('ERR_NOTE', 'malformed note signature line');
    const [name, b64, extra] = line.slice(SIG_PREFIX.length).split(' ');
    if (!name || !b64 || extra !== undefined || name.includes('+')) throw new SigilError('ERR_NOTE', 'malformed note signature line');
    if (!isBase64(b64)) throw new SigilError('ERR_NOTE', 'note signature is not valid base64');
    const blob = decodeBase64(b64, 'note signature');
    if (blob.length < 5) throw new SigilError('ERR_NOTE', 'note signature is too short');
    return { name, keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
  });
  return { text, signatures };
}

export function formatSignedNote(note: SignedNote): string {
  const sigs = note.signatures.map((s) => `${SIG_PREFIX}${s.name} ${encodeBase64(Buffer.concat([s.keyId, s.signature]))}\n`);
  return `${note.text}\n${sigs.join('')}`;
}

/** A key that can check one (name, key ID) pair's signatures. */
export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  verify(message: Buffer, signature: Buffer): boolean;
}

export interface NoteSigner {
  name: string;
  keyId: Buffer;
  sign(message: Buffer): Buffer;
}

/**
 * Verify a note: signatures from unknown (name, key ID) pairs are ignored, but every one
 * from a known pair must verify, and at least one must. Returns the verifiers that signed.
 */
export function verifySignedNote(note: SignedNote, verifiers: readonly NoteVerifier[]): NoteVerifier[] {
  const message = Buffer.from(note.text, 'utf8');
  const ok: NoteVerifier[] = [];
  for (const s of note.signatures) {
    const v = verifiers.find((x) => x.name === s.name && x.keyId.equals(s.keyId));
    if (!v) continue;
    if (!v.verify(message, s.signature)) throw new SigilError('ERR_NOTE', `note signature by ${s.name} does not verify`);
    if (!ok.includes(v)) ok.push(v);
  }
  if (ok.length === 0) throw new SigilError('ERR_NOTE', 'note has no signature from a known key');
  return ok;
}

export function signNote(text: string, signers: readonly NoteSigner[]): SignedNote {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw new SigilError('ERR_NOTE', 'note text must end in one newline and hold no blank line');
  const message = Buffer.from(text, 'utf8');
  return { text, signatures: signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) })) };
}

/** Key ID rules. */
export const noteKeyId = {
  /** C2SP Ed25519 (type 0x01): H(name || "\n" || 0x01 || key)[:4]. */
  ed25519(name: string, rawKey: Uint8Array): Buffer {
    return createHash('sha256').update(name).update('\n').update(Buffer.from([0x01])).update(rawKey).digest().subarray(0, 4);
  },
  /** Rekor v1 (any key type): H(DER SPKI)[:4], the first four bytes of the log ID. */
  spki(spki: Uint8Array): Buffer {
    return createHash('sha256').update(spki).digest().subarray(0, 4);
  },
};

function rawEd25519(key: KeyObject): Buffer {
  const spki = key.export({ type: 'spki', format: 'der' });
  return spki.subarray(spki.length - 32);
}

/**
 * A verifier for a log key. `rule` picks the key ID: `spki` as Rekor v1 writes it for every
 * key type; `c2sp` as Rekor v2 and Go's note package do (Ed25519 only).
 */
export function noteVerifierFor(name: string, key: KeyObject, rule: 'spki' | 'c2sp' = 'spki'): NoteVerifier {
  const isEd = key.asymmetricKeyType === 'ed25519';
  const keyId = rule === 'c2sp' && isEd ? noteKeyId.ed25519(name, rawEd25519(key)) : noteKeyId.spki(key.export({ type: 'spki', format: 'der' }));
  return {
    name,
    keyId,
    verify: (message, signature) => {
      try {
        return isEd ? nodeVerify(null, message, key, signature) : nodeVerify('sha256', message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

export function noteSignerFor(name: string, privateKey: KeyObject, publicKey: KeyObject, rule: 'spki' | 'c2sp' = 'spki'): NoteSigner {
  const isEd = privateKey.asymmetricKeyType === 'ed25519';
  const keyId = rule === 'c2sp' && isEd ? noteKeyId.ed25519(name, rawEd25519(publicKey)) : noteKeyId.spki(publicKey.export({ type: 'spki', format: 'der' }));
  return { name, keyId, sign: (m) => (isEd ? nodeSign(null, m, privateKey) : nodeSign('sha256', m, privateKey)) };
}

/** Parse a Go/C2SP verifier key string `name+hex(keyID)+base64(0x01 || key)`. */
export function parseVerifierKey(vkey: string): { name: string; keyId: Buffer; rawKey: Buffer } {
  const [name, hash, b64, extra] = vkey.split('+');
  if (!name || !hash || !b64 || extra !== undefined || !/^[0-9a-f]{8}$/.test(hash)) throw new SigilError('ERR_NOTE', 'malformed verifier key');
  if (!isBase64(b64)) throw new SigilError('ERR_NOTE', 'verifier key is not valid base64');
  const blob = decodeBase64(b64, 'verifier key');
  if (blob.length !== 33 || blob[0] !== 0x01) throw new SigilError('ERR_NOTE', 'only Ed25519 verifier keys are supported');
  const rawKey = blob.subarray(1);
  const keyId = noteKeyId.ed25519(name, rawKey);
  if (keyId.toString('hex') !== hash) throw new SigilError('ERR_NOTE', 'verifier key hash does not match its key');
  return { name, keyId, rawKey };
}
