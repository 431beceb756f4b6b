import { encodeBase64 } from '@sigil/core';
import type { TransparencyLog } from './log.js';

/** protobuf-specs TrustedRoot JSON (v0.1 media type, as sigstore-js 3.x and cosign read it). */
export interface TrustedRootJson {
  mediaType: string;
  tlogs: TlogJson[];
  certificateAuthorities: unknown[];
  ctlogs: unknown[];
  timestampAuthorities: unknown[];
}

export interface TlogJson {
  baseUrl: string;
  hashAlgorithm: 'SHA2_256';
  publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string; end?: string } };
  logId: { keyId: string };
}

const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The log's part of a trusted root: one tlog per signing key, oldest first. A key's window
 * opens when its first shard was created and closes when a shard with another key took
 * over; the key of the active shard has no end. No checkpointKeyId: sigstore-js would then
 * look the log up by it instead of by the 32-byte log ID and fail SET checks.
 */
export function trustedRootTlogs(log: TransparencyLog): TlogJson[] {
  const out: TlogJson[] = [];
  const shards = log.shards;
  shards.forEach((s, i) => {
    const keyId = encodeBase64(s.signer.logId);
    const last = out[out.length - 1];
    const nextWithOtherKey = shards.slice(i + 1).find((x) => !x.signer.logId.equals(s.signer.logId));
    if (last && last.logId.keyId === keyId) {
      // Consecutive shards on one key share one window.
      if (nextWithOtherKey) last.publicKey.validFor.end = iso(nextWithOtherKey.record.createdAt + 1);
      else delete last.publicKey.validFor.end;
      return;
    }
    const entry: TlogJson = {
      baseUrl: log.publicUrl,
      hashAlgorithm: 'SHA2_256',
      publicKey: {
        rawBytes: encodeBase64(s.signer.spki),
        keyDetails: s.signer.details,
        // Backdated a minute: verifiers compare whole-second integrated times with it.
        validFor: { start: iso(s.record.createdAt - 60) },
      },
      logId: { keyId },
    };
    if (nextWithOtherKey) entry.publicKey.validFor.end = iso(nextWithOtherKey.record.createdAt + 1);
    out.push(entry);
  });
  return out;
}

export function logTrustedRoot(log: TransparencyLog): TrustedRootJson {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: trustedRootTlogs(log),
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}
