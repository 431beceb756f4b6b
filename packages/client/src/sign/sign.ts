import { X509Certificate, createHash, createSign, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { SigilError, digest as hashBytes, signDigest, type HashAlgorithm } from '@sigil/core';
import { IN_TOTO_PAYLOAD_TYPE } from '../artifact.js';
import { parseBundle, type HashName } from '../bundle.js';
import { pae, verifyTlogBody } from '../tlog-body.js';
import type { TrustMaterial } from '../trusted-root.js';
import { verifyBundle } from '../verify.js';
import { buildStatement } from './attestation.js';
import {
  dsseBundle, dsseProposal, hashedrekordProposal, messageSignatureBundle, verificationMaterial,
  type BundleJson, type DsseEnvelopeJson, type SignerMaterial,
} from './bundle-json.js';
import { digestFile } from './digest-file.js';
import { requestSigningCertificate } from './fulcio.js';
import { createLogEntry, type TlogEntryJson } from './rekor.js';

/**
 * Signing, cosign's blob workflow: keyless (a fresh P-256 key, a certificate from the CA
 * for the caller's OIDC identity, the signature in the log) or with a managed key (the
 * signature in the log). Network steps overlap where they can: the artifact is hashed
 * while the token and the certificate are fetched, and every log is written at once.
 * Before a bundle is returned it is verified with the same code `verify-blob` runs
 * (fully when trust material is given; else that the log recorded exactly our entry).
 */
export type Artifact = { path: string } | { bytes: Uint8Array } | { digest: Buffer; algorithm: HashName };

export interface SignOptions {
  /** Where the CA and logs are: from a signing config, or given directly. */
  caUrl?: string;
  tlogUrls: string[];
  /** A managed key; without one, signing is keyless. */
  key?: { privateKey: KeyObject; publicKey: KeyObject };
  /** Keyless: returns the OIDC token (called once, concurrently with hashing). */
  identityToken?: () => Promise<string>;
  /** When given, the new bundle is verified against it before it is returned. */
  trust?: TrustMaterial;
  /** Wraps each network step (the CLI shows a spinner). */
  step?: StepReporter;
  timeoutMs?: number;
}

export type StepReporter = <T>(label: string, work: () => Promise<T>) => Promise<T>;

export interface SignResult {
  bundle: BundleJson;
  /** DER of the signing certificate (keyless). */
  certificate?: Buffer;
  /** DER of the CA certificates above it, as the CA returned them (keyless). */
  chain?: Buffer[];
  /** The raw signature (message signature or DSSE signature). */
  signature: Buffer;
  tlogEntries: TlogEntryJson[];
}

const direct: StepReporter = (_label, work) => work();

export async function signBlob(artifact: Artifact, opts: SignOptions): Promise<SignResult> {
  const step = opts.step ?? direct;
  const keys = opts.key ?? ephemeralKey();
  const alg = hashFor(keys.publicKey);
  if (keys.privateKey.asymmetricKeyType === 'ed25519') {
    throw new SigilError('ERR_UNSUPPORTED_KEY', 'Ed25519 keys cannot make hashedrekord entries in a Rekor v1 log (it needs a prehashed signature); use an ECDSA or RSA key, or attest-blob');
  }
  const [{ digest, signature }, signer] = await Promise.all([hashAndSign(artifact, alg, keys.privateKey), signerMaterial(keys, opts, step)]);
  const tlogEntries = await upload(opts, step, hashedrekordProposal(signer, alg, digest, signature));
  const bundle = messageSignatureBundle(verificationMaterial(signer, tlogEntries), alg, digest, signature);
  selfCheck(bundle, { digest, algorithm: alg }, signer, keys.publicKey, opts.trust);
  return { bundle, ...issued(signer), signature, tlogEntries };
}

function issued(signer: SignerMaterial): { certificate?: Buffer; chain?: Buffer[] } {
  return 'certificate' in signer ? { certificate: signer.certificate, chain: signer.chain ?? [] } : {};
}

export interface AttestInput {
  artifact: Artifact;
  /** Subject name in the statement (cosign uses the file's base name). */
  name: string;
  /** `--type`: a cosign shorthand or a predicate type URI. */
  type: string;
  predicate: Buffer;
}

export async function attestBlob(input: AttestInput, opts: SignOptions): Promise<SignResult> {
  const step = opts.step ?? direct;
  const keys = opts.key ?? ephemeralKey();
  const [digest, signer] = await Promise.all([digestOf(input.artifact, 'sha256'), signerMaterial(keys, opts, step)]);
  const payload = buildStatement({ type: input.type, predicate: input.predicate, subjects: [{ name: input.name, digest: { sha256: digest.toString('hex') } }] });
  const signature = nodeSign(keys.privateKey.asymmetricKeyType === 'ed25519' ? null : hashFor(keys.publicKey), pae(IN_TOTO_PAYLOAD_TYPE, payload), keys.privateKey);
  const envelope: DsseEnvelopeJson = { payload: payload.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: signature.toString('base64'), keyid: '' }] };
  const tlogEntries = await upload(opts, step, dsseProposal(signer, envelope));
  const bundle = dsseBundle(verificationMaterial(signer, tlogEntries), envelope);
  selfCheck(bundle, { digest, algorithm: 'sha256' }, signer, keys.publicKey, opts.trust);
  return { bundle, ...issued(signer), signature, tlogEntries };
}

function ephemeralKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** ECDSA hashes with its curve's size, RSA with SHA-256, as cosign does. */
function hashFor(key: KeyObject): HashAlgorithm {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return 'sha384';
  if (curve === 'secp521r1') return 'sha512';
  return 'sha256';
}

/**
 * One pass over the artifact feeds both the digest (for the log entry) and a native
 * signer: node:crypto signs what it hashed itself, so only a bare digest needs the
 * prehashed (pure JavaScript) path.
 */
async function hashAndSign(a: Artifact, alg: HashAlgorithm, key: KeyObject): Promise<{ digest: Buffer; signature: Buffer }> {
  if ('digest' in a) {
    const digest = await digestOf(a, alg);
    return { digest, signature: signDigest(key, alg, digest) };
  }
  if ('bytes' in a) return { digest: hashBytes(alg, a.bytes), signature: nodeSign(alg, a.bytes, key) };
  const hash = createHash(alg);
  const signer = createSign(alg);
  for await (const chunk of createReadStream(a.path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    signer.update(chunk);
  }
  return { digest: hash.digest(), signature: signer.sign(key) };
}

async function digestOf(a: Artifact, alg: HashAlgorithm): Promise<Buffer> {
  if ('digest' in a) {
    if (a.algorithm !== alg) throw new SigilError('ERR_BAD_REQUEST', `this key signs ${alg} digests, but a ${a.algorithm} digest was given`);
    return a.digest;
  }
  if ('bytes' in a) return hashBytes(alg, a.bytes);
  return digestFile(a.path, alg);
}

async function signerMaterial(keys: { privateKey: KeyObject; publicKey: KeyObject }, opts: SignOptions, step: StepReporter): Promise<SignerMaterial> {
  if (opts.key) return { publicKey: opts.key.publicKey };
  const caUrl = opts.caUrl;
  const getToken = opts.identityToken;
  if (!caUrl) throw new SigilError('ERR_CONFIG', 'keyless signing needs a certificate authority: give --signing-config or --fulcio-url (or a key with --key)');
  if (!getToken) throw new SigilError('ERR_IDENTITY', 'keyless signing needs an identity token');
  const token = await step('getting an identity token', getToken);
  const chain = await step('getting a signing certificate', () => requestSigningCertificate({ caUrl, token, publicKey: keys.publicKey, privateKey: keys.privateKey, timeoutMs: opts.timeoutMs }));
  return { certificate: chain[0]!, chain: chain.slice(1) };
}

async function upload(opts: SignOptions, step: StepReporter, proposal: unknown): Promise<TlogEntryJson[]> {
  if (opts.tlogUrls.length === 0) throw new SigilError('ERR_CONFIG', 'no transparency log to write to: give --signing-config or --rekor-url');
  const label = opts.tlogUrls.length === 1 ? 'writing to the transparency log' : `writing to ${opts.tlogUrls.length} transparency logs`;
  return step(label, () => Promise.all(opts.tlogUrls.map((url) => createLogEntry(url, proposal, opts.timeoutMs))));
}

/**
 * Never hand out a bundle that would not verify: a lying or broken log or CA shows here.
 * Without trust material the log's answer can only be checked against what we sent.
 */
function selfCheck(bundle: BundleJson, artifact: { digest: Buffer; algorithm: HashName }, signer: SignerMaterial, publicKey: KeyObject, trust: TrustMaterial | undefined): void {
  try {
    if (trust) {
      verifyBundle({ bundle, artifact, trust, policy: 'certificate' in signer ? { insecureAnyIdentity: true } : { publicKey } });
      return;
    }
    const parsed = parseBundle(bundle);
    const spki = 'certificate' in signer ? new X509Certificate(signer.certificate).publicKey.export({ type: 'spki', format: 'der' }) : publicKey.export({ type: 'spki', format: 'der' });
    for (const e of parsed.tlogEntries) verifyTlogBody(e, parsed.content, { certificate: 'certificate' in signer ? signer.certificate : undefined, spki });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new SigilError('ERR_SIGN', `the signed bundle does not verify (${why}); not writing it`, { cause });
  }
}
