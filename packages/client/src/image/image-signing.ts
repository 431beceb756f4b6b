import { SigilError } from '@sigil/core';
import { isIndex } from '../oci/manifest.js';
import { formatRepository, parseReference, type Repository } from '../oci/reference.js';
import type { RegistryClient } from '../oci/registry.js';
import { attestBlob, signBlob, type SignOptions, type SignResult } from '../sign/sign.js';
import { attachReferrer, appendToSignatureTag, type Subject } from './attach.js';
import { ANNOTATION, DSSE_MEDIA_TYPE, sha256Hex, SIGN_PREDICATE_TYPE, SIMPLE_SIGNING_MEDIA_TYPE, derToPem, rekorBundleAnnotation, simpleSigningPayload } from './cosign-layout.js';
import { predicateTypeOf } from '../sign/attestation.js';

/**
 * `sigil sign IMAGE` / `sigil attest IMAGE`. The reference is resolved to a digest once
 * (the manifest's bytes hashed here, never the registry's word) and everything after uses
 * that digest; a tag is only a way to find it, and the caller is told which digest it
 * named. Layout `tag` (default) writes cosign's `.sig`/`.att` tags, which every cosign
 * reads; `referrers` writes a bundle v0.3 as an OCI 1.1 referrer, which cosign v2.4+
 * (`--new-bundle-format`) and v3 read.
 */
export type Layout = 'tag' | 'referrers';

export interface ImageSignOptions extends SignOptions {
  registry: RegistryClient;
  layout?: Layout;
  /** Also sign every manifest of an index. */
  recursive?: boolean;
  /** Told about a tag resolved to a digest. */
  warn?: (message: string) => void;
}

export interface SignedImage {
  digest: string;
  /** `.sig`/`.att` tag, or the referrer manifest's digest. */
  location: string;
  logIndex: string;
}

export async function resolveSubject(registry: RegistryClient, ref: string, warn?: (m: string) => void): Promise<Subject & { platforms: Subject[] }> {
  const r = parseReference(ref);
  const got = await registry.getManifest(r);
  const repo: Repository = { registry: r.registry, repository: r.repository };
  if (r.digest === undefined) warn?.(`${ref} is a tag: it resolved to ${got.digest}, and that digest is what is signed (sign ${formatRepository(repo)}@${got.digest} to be explicit)`);
  const platforms = isIndex(got.manifest) ? got.manifest.manifests.map((d) => ({ repo, digest: d.digest, mediaType: d.mediaType, size: d.size })) : [];
  return { repo, digest: got.digest, mediaType: got.mediaType, size: got.bytes.length, platforms };
}

/** cosign names the signed image by its repository (Docker Hub as index.docker.io). */
export function dockerReference(repo: Repository): string {
  return repo.registry === 'docker.io' ? `index.docker.io/${repo.repository}` : formatRepository(repo);
}

export async function signImage(ref: string, opts: ImageSignOptions): Promise<SignedImage[]> {
  const subject = await resolveSubject(opts.registry, ref, opts.warn);
  const targets: Subject[] = [subject, ...(opts.recursive ? subject.platforms : [])];
  const out: SignedImage[] = [];
  for (const s of targets) {
    if (opts.layout === 'referrers') {
      const result = await attestBlob({ artifact: { digest: hexDigest(s.digest), algorithm: 'sha256' }, name: dockerReference(s.repo), type: SIGN_PREDICATE_TYPE, predicate: Buffer.from('{}') }, opts);
      out.push({ digest: s.digest, location: await attachReferrer(opts.registry, s, Buffer.from(JSON.stringify(result.bundle)), referrerAnnotations('dsse-envelope', SIGN_PREDICATE_TYPE)), logIndex: result.tlogEntries[0]!.logIndex });
      continue;
    }
    const payload = simpleSigningPayload(dockerReference(s.repo), s.digest);
    const result = await signBlob({ bytes: payload }, opts);
    const annotations = { [ANNOTATION.signature]: result.signature.toString('base64'), ...cosignAnnotations(result) };
    out.push({ digest: s.digest, location: await appendToSignatureTag(opts.registry, s, 'sig', payload, { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations }), logIndex: result.tlogEntries[0]!.logIndex });
  }
  return out;
}

export interface ImageAttestInput {
  type: string;
  predicate: Buffer;
}

export async function attestImage(ref: string, input: ImageAttestInput, opts: ImageSignOptions): Promise<SignedImage[]> {
  const predicateType = predicateTypeOf(input.type);
  const subject = await resolveSubject(opts.registry, ref, opts.warn);
  const targets: Subject[] = [subject, ...(opts.recursive ? subject.platforms : [])];
  const out: SignedImage[] = [];
  for (const s of targets) {
    const result = await attestBlob({ artifact: { digest: hexDigest(s.digest), algorithm: 'sha256' }, name: dockerReference(s.repo), type: input.type, predicate: input.predicate }, opts);
    if (opts.layout === 'referrers') {
      out.push({ digest: s.digest, location: await attachReferrer(opts.registry, s, Buffer.from(JSON.stringify(result.bundle)), referrerAnnotations('dsse-envelope', predicateType)), logIndex: result.tlogEntries[0]!.logIndex });
      continue;
    }
    if (!('dsseEnvelope' in result.bundle)) throw new SigilError('ERR_INTERNAL', 'attestation without an envelope');
    const envelope = Buffer.from(JSON.stringify(result.bundle.dsseEnvelope));
    const annotations = { [ANNOTATION.signature]: '', ...cosignAnnotations(result), [ANNOTATION.predicateType]: predicateType };
    out.push({ digest: s.digest, location: await appendToSignatureTag(opts.registry, s, 'att', envelope, { mediaType: DSSE_MEDIA_TYPE, annotations }), logIndex: result.tlogEntries[0]!.logIndex });
  }
  return out;
}

function cosignAnnotations(result: SignResult): Record<string, string> {
  const a: Record<string, string> = { [ANNOTATION.bundle]: rekorBundleAnnotation(result.tlogEntries[0]!) };
  if (result.certificate) {
    a[ANNOTATION.certificate] = derToPem(result.certificate);
    a[ANNOTATION.chain] = (result.chain ?? []).map(derToPem).join('');
  }
  return a;
}

function referrerAnnotations(content: 'message-signature' | 'dsse-envelope', predicateType: string): Record<string, string> {
  return { 'dev.sigstore.bundle.content': content, 'dev.sigstore.bundle.predicateType': predicateType, 'org.opencontainers.image.created': new Date().toISOString() };
}

export function hexDigest(digest: string): Buffer {
  return Buffer.from(sha256Hex(digest), 'hex');
}
