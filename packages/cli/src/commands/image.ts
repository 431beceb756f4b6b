import type { ImageVerification, Layout, RegistryClient } from '@sigil/client';
import { SigilError } from '@sigil/core';
import { readInputFile, resolveTrust } from '../instance.js';
import { UsageError } from '../ui/exit.js';
import { signingOptions, type SigningFlags } from './signing.js';
import { policyOf, report, type VerifyFlags } from './verifying.js';

/** The image commands: cosign's names and flags over `@sigil/client`'s image module. */
interface RegistryFlags {
  allowInsecureRegistry?: boolean;
}

async function registryOf(o: RegistryFlags): Promise<RegistryClient> {
  const { RegistryClient } = await import('@sigil/client/oci');
  return new RegistryClient({ allowInsecure: o.allowInsecureRegistry === true });
}

const warn = (quiet?: boolean) => (m: string): void => {
  if (!quiet) process.stderr.write(`sigil: warning: ${m}\n`);
};

export interface ImageSignFlags extends SigningFlags, RegistryFlags {
  recursive?: boolean;
  newBundleFormat?: boolean;
}

function layoutOf(o: ImageSignFlags): Layout {
  return o.newBundleFormat ? 'referrers' : 'tag';
}

export async function sign(image: string, o: ImageSignFlags): Promise<void> {
  const [opts, registry] = await Promise.all([signingOptions(o), registryOf(o)]);
  const { signImage } = await import('@sigil/client/image');
  const signed = await signImage(image, { ...opts, registry, layout: layoutOf(o), recursive: o.recursive === true, warn: warn(o.quiet) });
  for (const s of signed) if (!o.quiet) process.stderr.write(`sigil: signed ${s.digest} → ${s.location} (log index ${s.logIndex})\n`);
}

export async function attest(image: string, o: ImageSignFlags & { predicate: string; type: string }): Promise<void> {
  const [{ attestImage }, { predicateTypeOf, MAX_PREDICATE_BYTES }] = await Promise.all([import('@sigil/client/image'), import('@sigil/client/sign')]);
  predicateTypeOf(o.type);
  const predicate = readInputFile(o.predicate, 'predicate', MAX_PREDICATE_BYTES);
  const [opts, registry] = await Promise.all([signingOptions(o), registryOf(o)]);
  const signed = await attestImage(image, { type: o.type, predicate }, { ...opts, registry, layout: layoutOf(o), recursive: o.recursive === true, warn: warn(o.quiet) });
  for (const s of signed) if (!o.quiet) process.stderr.write(`sigil: attested ${s.digest} → ${s.location} (log index ${s.logIndex})\n`);
}

type ImageVerifyFlags = Omit<VerifyFlags, 'bundle'> & RegistryFlags & { type?: string; allowReferenceMismatch?: boolean };

async function verifyWith(image: string, o: ImageVerifyFlags, kind: 'signature' | 'attestation'): Promise<void> {
  await report(o, async () => {
    const [policy, trust, registry] = await Promise.all([policyOf(o), resolveTrust(o), registryOf(o)]);
    const [client, { predicateTypeOf }] = await Promise.all([import('@sigil/client/image'), import('@sigil/client/sign')]);
    const result = kind === 'signature'
      ? await client.verifyImage(image, { registry, trust, policy, allowReferenceMismatch: o.allowReferenceMismatch === true })
      : await client.verifyImageAttestations(image, { registry, trust, policy, ...(o.type ? { predicateType: predicateTypeOf(o.type) } : {}) });
    const plural = (n: number): string => `${n} ${kind}${n === 1 ? '' : 's'}`;
    const lines = [`Verified OK: ${plural(result.verified.length)} for ${result.repo.registry}/${result.repo.repository}@${result.digest}`];
    for (const v of result.verified) lines.push(`  ${v.layout === 'tag' ? 'cosign tag' : 'referrer'} ${v.location}: ${v.result.signer.identity ? `${v.result.signer.identity.san} (${v.result.signer.identity.issuer ?? '?'})` : 'key'}${v.predicateType ? `, ${v.predicateType}` : ''}`);
    const n = result.failures.length;
    if (n > 0) lines.push(`  (${n} other ${kind}${n === 1 ? '' : 's'} did not verify)`);
    return { json: summary(result), text: lines.join('\n') + '\n' };
  });
}

function summary(r: ImageVerification): Record<string, unknown> {
  return {
    verified: true,
    image: `${r.repo.registry}/${r.repo.repository}@${r.digest}`,
    digest: r.digest,
    signatures: r.verified.map((v) => ({
      layout: v.layout,
      location: v.location,
      identity: v.result.signer.identity?.san ?? null,
      issuer: v.result.signer.identity?.issuer ?? null,
      logIndex: v.result.tlog[0]?.logIndex ?? null,
      ...(v.predicateType ? { predicateType: v.predicateType } : {}),
      ...(v.payload ? { dockerReference: v.payload.dockerReference } : {}),
    })),
    failures: r.failures,
  };
}

export const verify = (image: string, o: ImageVerifyFlags): Promise<void> => verifyWith(image, o, 'signature');
export const verifyAttestation = (image: string, o: ImageVerifyFlags): Promise<void> => verifyWith(image, o, 'attestation');

export async function tree(image: string, o: RegistryFlags & { output?: string }): Promise<void> {
  const { attached } = await import('@sigil/client/image');
  const a = await attached(await registryOf(o), image);
  if (o.output === 'json') {
    process.stdout.write(JSON.stringify(a, null, 2) + '\n');
    return;
  }
  const lines = [`📦 ${a.repo.registry}/${a.repo.repository}@${a.digest}`];
  const section = (title: string, s: Attached['signatures']) => {
    if (!s) return;
    lines.push(`└── ${title} (${s.tag})`);
    for (const l of s.layers) lines.push(`    └── ${l.digest}${l.annotations.predicateType ? `  ${l.annotations.predicateType}` : ''}`);
  };
  section('🔐 signatures', a.signatures);
  section('💾 attestations', a.attestations);
  if (a.referrers.length > 0) {
    lines.push('└── 🔗 referrers');
    for (const r of a.referrers) lines.push(`    └── ${r.digest}  ${r.artifactType ?? ''}${r.annotations['dev.sigstore.bundle.predicateType'] ? `  ${r.annotations['dev.sigstore.bundle.predicateType']}` : ''}`);
  }
  if (!a.signatures && !a.attestations && a.referrers.length === 0) lines.push('└── (nothing attached)');
  process.stdout.write(lines.join('\n') + '\n');
}
type Attached = Awaited<ReturnType<typeof import('@sigil/client/image')['attached']>>;

export async function triangulate(image: string, o: RegistryFlags & { type?: string }): Promise<void> {
  const kind = o.type ?? 'signature';
  if (kind !== 'signature' && kind !== 'attestation') throw new UsageError('--type must be signature or attestation');
  const client = await import('@sigil/client/image');
  process.stdout.write(`${await client.triangulate(await registryOf(o), image, kind)}\n`);
}

export async function download(what: string, image: string, o: RegistryFlags): Promise<void> {
  if (what !== 'signature' && what !== 'attestation') throw new UsageError('download what? signature or attestation');
  const client = await import('@sigil/client/image');
  const docs = await client.download(await registryOf(o), image, what);
  if (docs.length === 0) throw new SigilError('ERR_NOT_FOUND', `no ${what}s attached to ${image}`);
  process.stdout.write(docs.join('\n') + '\n');
}
