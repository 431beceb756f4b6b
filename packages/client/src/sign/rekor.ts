import { SigilError } from '@sigil/core';
import { requestJson } from './http.js';

/**
 * The log client (Rekor v1 `POST /api/v1/log/entries`). A 409 means the log already holds
 * this exact entry (a retry, or the same signature submitted twice): the existing entry is
 * fetched from the Location the log names and used as is. The answer is turned into a
 * bundle `TransparencyLogEntry` (protobuf JSON: int64 as strings, bytes as base64).
 */
export interface TlogEntryJson {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime: string;
  inclusionPromise: { signedEntryTimestamp: string };
  inclusionProof: { logIndex: string; rootHash: string; treeSize: string; hashes: string[]; checkpoint: { envelope: string } };
  canonicalizedBody: string;
}

export async function createLogEntry(logUrl: string, proposed: unknown, timeoutMs?: number): Promise<TlogEntryJson> {
  const res = await requestJson(`${logUrl}/api/v1/log/entries`, 'transparency log upload', { body: proposed, accept: [409], timeoutMs });
  if (res.status === 409) {
    const location = res.headers.get('location');
    if (!location) throw new SigilError('ERR_REMOTE', 'transparency log upload: 409 without the existing entry\'s location');
    const url = new URL(location, logUrl);
    if (url.origin !== new URL(logUrl).origin) throw new SigilError('ERR_REMOTE', `transparency log upload: the log pointed at another origin (${url.origin})`);
    return toTlogEntry((await requestJson(url.href, 'transparency log entry')).body);
  }
  return toTlogEntry(res.body);
}

const HEX = /^[0-9a-f]+$/;

export function toTlogEntry(answer: unknown): TlogEntryJson {
  const bad = (why: string): never => {
    throw new SigilError('ERR_REMOTE', `transparency log answered an unusable entry: ${why}`);
  };
  if (typeof answer !== 'object' || answer === null) return bad('not a JSON object');
  const values = Object.values(answer as Record<string, unknown>);
  if (values.length !== 1) return bad('expected exactly one entry');
  const e = values[0] as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null) return bad('entry is not an object');
  const { body, integratedTime, logID, logIndex } = e;
  const v = e.verification as { inclusionProof?: Record<string, unknown>; signedEntryTimestamp?: unknown } | undefined;
  const p = v?.inclusionProof;
  if (typeof body !== 'string') return bad('no body');
  if (typeof integratedTime !== 'number' || !Number.isSafeInteger(integratedTime) || integratedTime <= 0) return bad('no integratedTime');
  if (typeof logID !== 'string' || logID.length !== 64 || !HEX.test(logID)) return bad('logID is not 64 hex digits');
  if (typeof logIndex !== 'number' || !Number.isSafeInteger(logIndex) || logIndex < 0) return bad('no logIndex');
  if (typeof v?.signedEntryTimestamp !== 'string') return bad('no signed entry timestamp');
  if (!p) return bad('no inclusion proof');
  const { checkpoint, hashes, rootHash, treeSize } = p;
  if (typeof checkpoint !== 'string' || typeof rootHash !== 'string' || !HEX.test(rootHash) || typeof treeSize !== 'number' || typeof p.logIndex !== 'number') return bad('malformed inclusion proof');
  if (!Array.isArray(hashes) || hashes.length > 64 || !hashes.every((h) => typeof h === 'string' && HEX.test(h))) return bad('malformed inclusion proof hashes');
  const kv = kindVersionOf(body);
  if (!kv) return bad('body is not base64 JSON with a kind and apiVersion');
  const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
  return {
    logIndex: String(logIndex),
    logId: { keyId: b64(logID) },
    kindVersion: kv,
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: v.signedEntryTimestamp },
    inclusionProof: { logIndex: String(p.logIndex), rootHash: b64(rootHash), treeSize: String(treeSize), hashes: (hashes as string[]).map(b64), checkpoint: { envelope: checkpoint } },
    canonicalizedBody: body,
  };
}

/** The kind and version a Rekor entry body (base64 JSON) names, or undefined when it names none. */
export function kindVersionOf(bodyBase64: string): { kind: string; version: string } | undefined {
  try {
    const { kind, apiVersion } = JSON.parse(Buffer.from(bodyBase64, 'base64').toString('utf8')) as { kind?: unknown; apiVersion?: unknown };
    return typeof kind === 'string' && typeof apiVersion === 'string' ? { kind, version: apiVersion } : undefined;
  } catch {
    return undefined;
  }
}
