import { existsSync, statSync } from 'node:fs';
import type { Artifact, Policy, VerifiedResult } from '@sigil/client';
import { isSigilError } from '@sigil/core';
import { readInputFile, resolveTrust, type InstanceFlags } from '../instance.js';
import { UsageError } from '../ui/exit.js';

/** cosign's verification flags, shared by `verify-blob` and `verify-blob-attestation`. */
export interface VerifyFlags extends InstanceFlags {
  bundle: string;
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  certificateGithubWorkflowTrigger?: string;
  certificateGithubWorkflowSha?: string;
  certificateGithubWorkflowName?: string;
  certificateGithubWorkflowRepository?: string;
  certificateGithubWorkflowRef?: string;
  insecureAnyIdentity?: boolean;
  output?: string;
}

/** Files up to this size are read whole (Ed25519 message signatures need the bytes); larger ones are streamed through the hash. */
const READ_WHOLE = 16 * 1024 * 1024;
const DIGEST_ARG = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/;

/** FILE, or `sha256:<hex>` (the conformance suite's digest input) when no such file exists. */
export async function artifactOf(arg: string): Promise<Artifact> {
  const m = DIGEST_ARG.exec(arg);
  if (m && !existsSync(arg)) {
    const algorithm = m[1] as 'sha256' | 'sha384' | 'sha512';
    return { algorithm, digest: Buffer.from(m[2]!, 'hex') };
  }
  let size: number;
  try {
    const st = statSync(arg);
    if (!st.isFile()) throw new UsageError(`${arg} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${arg}: no such file (an artifact digest is written sha256:<hex>)`);
  }
  if (size <= READ_WHOLE) return readInputFile(arg, 'artifact', READ_WHOLE);
  const { digestFile } = await import('@sigil/client/sign');
  return { algorithm: 'sha256', digest: await digestFile(arg, 'sha256') };
}

export async function policyOf(o: Omit<VerifyFlags, 'bundle'>): Promise<Policy> {
  const policy: Policy = {};
  if (o.key) {
    const { loadPublicKey } = await import('@sigil/client/keys');
    policy.publicKey = loadPublicKey(readInputFile(o.key, 'public key', 64 * 1024));
  }
  if (o.certificateIdentity !== undefined) policy.identity = o.certificateIdentity;
  if (o.certificateIdentityRegexp !== undefined) policy.identityRegExp = o.certificateIdentityRegexp;
  if (o.certificateOidcIssuer !== undefined) policy.issuer = o.certificateOidcIssuer;
  if (o.certificateOidcIssuerRegexp !== undefined) policy.issuerRegExp = o.certificateOidcIssuerRegexp;
  if (o.certificateGithubWorkflowTrigger !== undefined) policy.githubWorkflowTrigger = o.certificateGithubWorkflowTrigger;
  if (o.certificateGithubWorkflowSha !== undefined) policy.githubWorkflowSha = o.certificateGithubWorkflowSha;
  if (o.certificateGithubWorkflowName !== undefined) policy.githubWorkflowName = o.certificateGithubWorkflowName;
  if (o.certificateGithubWorkflowRepository !== undefined) policy.githubWorkflowRepository = o.certificateGithubWorkflowRepository;
  if (o.certificateGithubWorkflowRef !== undefined) policy.githubWorkflowRef = o.certificateGithubWorkflowRef;
  if (o.insecureAnyIdentity) policy.insecureAnyIdentity = true;
  if (!o.key && !o.insecureAnyIdentity) {
    const identity = o.certificateIdentity !== undefined || o.certificateIdentityRegexp !== undefined;
    const issuer = o.certificateOidcIssuer !== undefined || o.certificateOidcIssuerRegexp !== undefined;
    if (!identity || !issuer) {
      throw new UsageError('keyless verification needs an identity and an issuer: --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] (or --key for key-signed bundles)');
    }
  }
  return policy;
}

export function outputMode(o: { output?: string }): 'text' | 'json' {
  const mode = o.output ?? 'text';
  if (mode !== 'text' && mode !== 'json') throw new UsageError(`--output must be text or json, got ${JSON.stringify(mode)}`);
  return mode;
}

/**
 * Verify and report. On success: "Verified OK" on stderr (text) or a JSON result on
 * stdout; on failure the error names the failed check, in JSON too, and the exit code is
 * non-zero. "Verified OK" is printed only after every check has passed.
 */
export async function runVerification(o: VerifyFlags, artifactArg: string, expect: 'messageSignature' | 'dsseEnvelope' | 'any', extra?: (r: VerifiedResult) => void): Promise<void> {
  await report(o, async () => {
    const [policy, artifact, trust] = await Promise.all([policyOf(o), artifactOf(artifactArg), resolveTrust(o)]);
    const { prepareBundle, verifyBundle } = await import('@sigil/client/verify');
    const bundle = prepareBundle(readInputFile(o.bundle, 'bundle', 32 * 1024 * 1024));
    if (expect !== 'any' && bundle.content.kind !== expect) {
      const { SigilError } = await import('@sigil/core');
      throw new SigilError('ERR_VERIFY_BUNDLE', expect === 'dsseEnvelope' ? 'the bundle holds a message signature, not an attestation: use verify-blob' : 'the bundle holds an attestation (DSSE): use verify-blob-attestation');
    }
    const result = verifyBundle({ bundle, artifact, trust, policy });
    extra?.(result);
    return { json: summary(result), text: 'Verified OK\n' };
  });
}

/**
 * Run a verification and report it: the JSON result on stdout, or the text on stderr; a
 * failure as JSON naming its code too (then rethrown: one line on stderr, non-zero exit).
 */
export async function report(o: { output?: string }, verify: () => Promise<{ json: Record<string, unknown>; text: string }>): Promise<void> {
  const mode = outputMode(o);
  try {
    const { json, text } = await verify();
    if (mode === 'json') process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    else process.stderr.write(text);
  } catch (err) {
    if (mode === 'json' && isSigilError(err)) process.stdout.write(JSON.stringify({ verified: false, code: err.code, error: err.message }, null, 2) + '\n');
    throw err;
  }
}

function summary(r: VerifiedResult): Record<string, unknown> {
  return {
    verified: true,
    mediaType: r.bundle.mediaType,
    signer: r.signer.identity
      ? { identity: r.signer.identity.san, issuer: r.signer.identity.issuer, extensions: r.signer.identity.extensions }
      : { key: r.signer.keyHint ?? null },
    timestamps: r.timestamps.map((t) => t.toISOString()),
    tlogEntries: r.tlog.map((e) => ({ logIndex: e.logIndex, logId: e.logId, kind: `${e.kind}/${e.version}`, integratedTime: e.integratedTime?.toISOString() ?? null })),
    ...(r.statement ? { predicateType: r.statement.predicateType, subjects: r.statement.subject } : {}),
  };
}
