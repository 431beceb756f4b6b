import { readFileSync, statSync } from 'node:fs';
import type { SigningServices, TrustMaterial } from '@sigil/client';
import { UsageError } from './ui/exit.js';

/**
 * Which Sigstore instance a command talks to, in cosign's terms: `--signing-config` and
 * `--trusted-root` files (protobuf-specs JSON; `sigil up` writes both), or the service
 * URLs `--fulcio-url` / `--rekor-url`; with none of them, the public-good instance, whose
 * trust comes through TUF (cached; refreshed when its metadata expires).
 */
export interface InstanceFlags {
  signingConfig?: string;
  trustedRoot?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  oidcIssuer?: string;
  tufMirror?: string;
  tufRoot?: string;
}

const MAX_DOC = 4 * 1024 * 1024;

export function readInputFile(path: string, what: string, max = MAX_DOC): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`${what} ${path}: no such file`);
  }
  if (size > max) throw new UsageError(`${what} ${path} is larger than ${max} bytes`);
  return readFileSync(path);
}

async function viaTuf(flags: InstanceFlags): Promise<{ trustedRoot: string; signingConfig?: string }> {
  const { fetchSigstoreTrust } = await import('@sigil/client/tuf');
  return fetchSigstoreTrust({
    ...(flags.tufMirror ? { mirror: flags.tufMirror } : {}),
    ...(flags.tufRoot ? { initialRoot: readInputFile(flags.tufRoot, 'TUF root') } : {}),
  });
}

/** Trust material for verifying. */
export async function resolveTrust(flags: InstanceFlags): Promise<TrustMaterial> {
  const { parseTrustedRoot } = await import('@sigil/client/verify');
  if (flags.trustedRoot) return parseTrustedRoot(readInputFile(flags.trustedRoot, 'trusted root'));
  return parseTrustedRoot((await viaTuf(flags)).trustedRoot);
}

/** Services for signing, plus trust material when known (the new bundle is checked against it). */
export async function resolveSigning(flags: InstanceFlags): Promise<{ services: SigningServices; trust?: TrustMaterial }> {
  const [{ parseSigningConfig }, { parseTrustedRoot }] = await Promise.all([import('@sigil/client/sign'), import('@sigil/client/verify')]);
  const explicit = flags.signingConfig !== undefined || flags.fulcioUrl !== undefined || flags.rekorUrl !== undefined;
  let services: SigningServices | undefined;
  let trust: TrustMaterial | undefined;
  if (flags.signingConfig) services = parseSigningConfig(readInputFile(flags.signingConfig, 'signing config'));
  if (flags.trustedRoot) trust = parseTrustedRoot(readInputFile(flags.trustedRoot, 'trusted root'));
  if (!explicit) {
    const tuf = await viaTuf(flags);
    if (!tuf.signingConfig) throw new UsageError('the TUF repository has no signing config: give --signing-config or --fulcio-url and --rekor-url');
    services = parseSigningConfig(tuf.signingConfig);
    trust ??= parseTrustedRoot(tuf.trustedRoot);
  }
  const s: SigningServices = services ?? { ca: '', tlogs: [], tsas: [] };
  if (flags.fulcioUrl) s.ca = trimUrl(flags.fulcioUrl, '--fulcio-url');
  if (flags.rekorUrl) s.tlogs = [trimUrl(flags.rekorUrl, '--rekor-url')];
  if (flags.oidcIssuer) s.oidc = trimUrl(flags.oidcIssuer, '--oidc-issuer');
  return { services: s, ...(trust ? { trust } : {}) };
}

function trimUrl(v: string, flag: string): string {
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new UsageError(`${flag} must be an http(s) URL, got ${JSON.stringify(v)}`);
  }
  return v.replace(/\/+$/, '');
}
