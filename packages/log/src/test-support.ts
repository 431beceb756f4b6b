// Helpers for the log's tests: signed proposals and an independent check of LogEntry answers.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  canonicalJsonBytes, decodeBase64, decodeHex, hashLeaf, noteVerifierFor, parseCheckpoint, parseSignedNote, verifyInclusion,
  verifyMessageSignature, describePublicKey, verifySignedNote,
} from '@sigil/core';
import type { LogEntryJson } from './shard.js';

export interface Proposal {
  body: { apiVersion: string; kind: string; spec: Record<string, unknown> };
  artifact: Buffer;
}

const keys: Array<{ publicKey: KeyObject; privateKey: KeyObject }> = [];

/** A hashedrekord proposal signed with one of a few reused P-256 keys (key generation is slow). */
export function hashedRekord(artifact: Buffer = randomBytes(32)): Proposal {
  if (keys.length < 4) keys.push(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const k = keys[Math.floor(Math.random() * keys.length)]!;
  return {
    artifact,
    body: {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
        signature: {
          content: sign('sha256', artifact, k.privateKey).toString('base64'),
          publicKey: { content: Buffer.from(k.publicKey.export({ type: 'spki', format: 'pem' }) as string).toString('base64') },
        },
      },
    },
  };
}

/** Check a LogEntry as a Rekor client would: leaf hash, inclusion proof, checkpoint, SET, log ID. */
export function checkLogEntry(id: string, e: LogEntryJson, logKeyPem: string, signerName: string): void {
  const key = createPublicKey(logKeyPem);
  const info = describePublicKey(key);
  const logId = createHash('sha256').update(info.spki).digest('hex');
  const body = decodeBase64(e.body);
  const leaf = hashLeaf(body);
  if (!id.endsWith(leaf.toString('hex'))) throw new Error('entry ID does not end with the leaf hash');
  if (e.logID !== logId) throw new Error('logID is not the hash of the log key');
  const p = e.verification.inclusionProof;
  verifyInclusion(p.logIndex, p.treeSize, leaf, p.hashes.map((h) => decodeHex(h)), decodeHex(p.rootHash));
  const note = parseSignedNote(p.checkpoint);
  verifySignedNote(note, [noteVerifierFor(signerName, key, 'spki')]);
  const cp = parseCheckpoint(note.text);
  if (cp.size !== p.treeSize || cp.rootHash.toString('hex') !== p.rootHash) throw new Error('checkpoint does not match the proof');
  const payload = canonicalJsonBytes({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex });
  if (!verifyMessageSignature(info, payload, decodeBase64(e.verification.signedEntryTimestamp))) throw new Error('SET does not verify');
}
