import { hashLeaf, noteKeyId, parseCheckpoint, parseSignedNote, verifyInclusion, verifySignedNote, type NoteVerifier, verifyWithKey } from '@sigil/core';
import type { TlogEntry } from './bundle.js';
import { as, fail } from './fail.js';
import { validForContains, type TransparencyLog } from './trusted-root.js';

/**
 * Inclusion proof (PROTOCOLS §3): the checkpoint must be signed by the entry's own log —
 * a trusted-root tlog with the entry's log ID, whose baseUrl host contains the signature
 * name and whose key hint matches (checkpointKeyId, logId[0:4], or the C2SP Ed25519 rule).
 * Unknown cosignatures are ignored wherever they appear; every known one must verify. Then
 * H(0x00 || body) must be included at the proof's index in the checkpoint's tree, and the
 * proof's own size/root must equal the checkpoint's. Failures: ERR_VERIFY_TLOG_INCLUSION.
 *
 * `times` (ms) are the signing times the log key must be valid at: integratedTime for
 * Rekor v1 entries, the claimed RFC 3161 times for Rekor v2 ones.
 */
export function verifyTlogInclusion(entry: TlogEntry, tlogs: readonly TransparencyLog[], times: readonly number[]): void {
  const proof = entry.inclusionProof;
  if (!proof) return fail('ERR_VERIFY_TLOG_INCLUSION', 'tlog entry has no inclusion proof');
  const logs = tlogs.filter((l) => l.logId.equals(entry.logId) && times.every((t) => validForContains(l.validFor, t)));
  if (logs.length === 0) fail('ERR_VERIFY_TLOG_INCLUSION', `no trusted log with ID ${entry.logId.toString('base64')} valid at the signing time`);
  const note = as('ERR_VERIFY_TLOG_INCLUSION', 'checkpoint', () => parseSignedNote(proof.checkpoint));
  const verifiers: NoteVerifier[] = [];
  for (const s of note.signatures) {
    for (const log of logs) {
      if (!log.host.includes(s.name)) continue;
      if (!keyHints(log, s.name).some((h) => h.equals(s.keyId))) continue;
      verifiers.push({ name: s.name, keyId: s.keyId, verify: (m, sig) => verifyWith(log, m, sig) });
    }
  }
  as('ERR_VERIFY_TLOG_INCLUSION', 'checkpoint signature', () => verifySignedNote(note, verifiers));
  const cp = as('ERR_VERIFY_TLOG_INCLUSION', 'checkpoint', () => parseCheckpoint(note.text));
  if (cp.size !== proof.treeSize) fail('ERR_VERIFY_TLOG_INCLUSION', `inclusion proof tree size ${proof.treeSize} differs from the checkpoint's ${cp.size}`);
  if (!cp.rootHash.equals(proof.rootHash)) fail('ERR_VERIFY_TLOG_INCLUSION', 'inclusion proof root hash differs from the checkpoint root');
  as('ERR_VERIFY_TLOG_INCLUSION', 'inclusion proof', () =>
    verifyInclusion(proof.logIndex, cp.size, hashLeaf(entry.canonicalizedBody), proof.hashes, cp.rootHash),
  );
}

/** The key IDs a log's checkpoint signature may carry. */
function keyHints(log: TransparencyLog, name: string): Buffer[] {
  const hints = [log.logId.subarray(0, 4)];
  if (log.checkpointKeyId) hints.push(log.checkpointKeyId.subarray(0, 4));
  if (log.key.asymmetricKeyType === 'ed25519') hints.push(noteKeyId.ed25519(name, log.spki.subarray(log.spki.length - 32)));
  else hints.push(noteKeyId.spki(log.spki));
  return hints;
}

function verifyWith(log: TransparencyLog, message: Buffer, signature: Buffer): boolean {
  return verifyWithKey(log.key, log.hash, message, signature);
}
