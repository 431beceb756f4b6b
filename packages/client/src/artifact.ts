import { createHash } from 'node:crypto';
import type { BundleContent, HashName } from './bundle.js';
import { fail } from './fail.js';

/**
 * The bundle must be about this artifact (RS-40, RS-55). Message signatures: the
 * messageDigest equals the artifact's digest. DSSE: the payload is an in-toto Statement
 * (v1 or v0.1) and one of its subjects carries the artifact's digest. The artifact is its
 * bytes, or just its digest. Failures: ERR_VERIFY_ARTIFACT.
 */
export type Artifact = Uint8Array | { digest: Uint8Array; algorithm: HashName };

export const MAX_SUBJECTS = 1024;

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);
const DIGEST_BYTES: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };

export interface Statement {
  _type: string;
  subject: { name?: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate?: unknown;
}

export function isDigestArtifact(a: Artifact): a is { digest: Uint8Array; algorithm: HashName } {
  return !(a instanceof Uint8Array);
}

/** Returns the parsed in-toto statement for DSSE content. */
export function verifyArtifact(content: BundleContent, artifact: Artifact | undefined): Statement | undefined {
  if (artifact === undefined) return fail('ERR_VERIFY_ARTIFACT', 'no artifact (or artifact digest) was given to verify against');
  if (isDigestArtifact(artifact)) {
    const want = DIGEST_BYTES[artifact.algorithm];
    if (want === undefined || artifact.digest.length !== want) fail('ERR_VERIFY_ARTIFACT', `artifact digest is not a ${String(artifact.algorithm)} digest`);
  }
  if (content.kind === 'messageSignature') {
    const digest = isDigestArtifact(artifact) ? digestOf(artifact, content.digestAlgorithm) : createHash(content.digestAlgorithm).update(artifact).digest();
    if (!digest.equals(content.digest)) fail('ERR_VERIFY_ARTIFACT', 'artifact digest does not match the bundle message digest');
    return undefined;
  }
  if (content.payloadType !== IN_TOTO_PAYLOAD_TYPE) fail('ERR_VERIFY_ARTIFACT', `DSSE payload type ${JSON.stringify(content.payloadType)} is not an in-toto statement`);
  const statement = parseStatement(content.payload);
  const cache = new Map<string, string>();
  const hexOf = (alg: HashName): string => {
    let v = cache.get(alg);
    if (v === undefined) {
      v = isDigestArtifact(artifact) ? (artifact.algorithm === alg ? Buffer.from(artifact.digest).toString('hex') : '') : createHash(alg).update(artifact).digest('hex');
      cache.set(alg, v);
    }
    return v;
  };
  for (const s of statement.subject) {
    for (const [alg, value] of Object.entries(s.digest)) {
      if (!(alg in DIGEST_BYTES)) continue;
      const mine = hexOf(alg as HashName);
      if (mine !== '' && mine === value.toLowerCase()) return statement;
    }
  }
  return fail('ERR_VERIFY_ARTIFACT', 'artifact digest is not a subject of the in-toto statement');
}

function digestOf(a: { digest: Uint8Array; algorithm: HashName }, alg: HashName): Buffer {
  if (a.algorithm !== alg) return fail('ERR_VERIFY_ARTIFACT', `artifact digest is ${a.algorithm} but the bundle signed a ${alg} digest`);
  return Buffer.from(a.digest);
}

export function parseStatement(payload: Buffer): Statement {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    return fail('ERR_VERIFY_ARTIFACT', 'DSSE payload is not JSON', cause);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('ERR_VERIFY_ARTIFACT', 'DSSE payload is not a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o._type !== 'string' || !STATEMENT_TYPES.has(o._type)) fail('ERR_VERIFY_ARTIFACT', `payload is not an in-toto Statement (_type ${JSON.stringify(o._type ?? null)})`);
  if (typeof o.predicateType !== 'string' || o.predicateType.length === 0) fail('ERR_VERIFY_ARTIFACT', 'in-toto statement has no predicateType');
  if (!Array.isArray(o.subject) || o.subject.length === 0) fail('ERR_VERIFY_ARTIFACT', 'in-toto statement has no subject');
  const subjects = o.subject as unknown[];
  if (subjects.length > MAX_SUBJECTS) fail('ERR_VERIFY_ARTIFACT', `in-toto statement has ${subjects.length} subjects; at most ${MAX_SUBJECTS} are allowed`);
  for (const s of subjects) {
    const d = (s as { digest?: unknown } | null)?.digest;
    if (typeof s !== 'object' || s === null || typeof d !== 'object' || d === null || Array.isArray(d)) fail('ERR_VERIFY_ARTIFACT', 'in-toto subject has no digest map');
    if (Object.values(d).some((x) => typeof x !== 'string')) fail('ERR_VERIFY_ARTIFACT', 'in-toto subject digest values must be strings');
  }
  return o as unknown as Statement;
}
