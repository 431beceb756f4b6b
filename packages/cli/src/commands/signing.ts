import { writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SignOptions, SignResult } from '@sigil/client';
import { resolveSigning, readInputFile, type InstanceFlags } from '../instance.js';
import { stepReporter } from '../ui/steps.js';

/** Flags shared by `sign-blob` and `attest-blob` (cosign's names). */
export interface SigningFlags extends InstanceFlags {
  bundle?: string;
  key?: string;
  identityToken?: string;
  device?: boolean;
  yes?: boolean;
  quiet?: boolean;
  outputCertificate?: string;
}

/** Keyless (identity token → certificate) or with `--key`; where to sign; what to show. */
export async function signingOptions(o: SigningFlags): Promise<SignOptions> {
  const { services, trust } = await resolveSigning(o);
  const step = stepReporter({ quiet: o.quiet });
  const base: SignOptions = { caUrl: services.ca || undefined, tlogUrls: services.tlogs, step, ...(trust ? { trust } : {}) };
  if (o.key) {
    const { loadPrivateKey } = await import('@sigil/client/keys');
    const { readPassword } = await import('../ui/password.js');
    const text = readInputFile(o.key, 'key', 64 * 1024);
    const encrypted = text.includes('ENCRYPTED');
    const privateKey = loadPrivateKey(text, encrypted ? await readPassword({ purpose: 'decrypt' }) : undefined);
    const { createPublicKey } = await import('node:crypto');
    return { ...base, key: { privateKey, publicKey: createPublicKey(privateKey) } };
  }
  const { getIdentityToken } = await import('@sigil/client/identity');
  return {
    ...base,
    identityToken: async () => (await getIdentityToken({
      identityToken: o.identityToken,
      issuer: services.oidc,
      device: o.device === true,
      // A CI job has nobody to sign in: fail at once with how to pass a token (unless --device).
      interactive: o.device === true || !process.env.CI,
      onAuthUrl: (url: string) => process.stderr.write(`sigil: sign in through your browser; if none opens, go to:\n  ${url}\n`),
      onDeviceCode: (c: { verificationUri: string; verificationUriComplete?: string; userCode: string }) =>
        process.stderr.write(`sigil: to sign in, visit ${c.verificationUriComplete ?? c.verificationUri} and enter the code ${c.userCode}\n`),
    })).token,
  };
}

/** Write the bundle (or print it when no --bundle is given: stdout is for machine output). */
export async function emitBundle(result: SignResult, o: SigningFlags): Promise<void> {
  const json = JSON.stringify(result.bundle);
  if (o.bundle) {
    writeAtomic(o.bundle, json + '\n');
    if (!o.quiet) process.stderr.write(`sigil: wrote bundle to ${o.bundle} (log index ${result.tlogEntries.map((e) => e.logIndex).join(', ')})\n`);
  } else {
    process.stdout.write(json + '\n');
  }
  if (o.outputCertificate && result.certificate) {
    const { encodePem } = await import('@sigil/core');
    writeAtomic(o.outputCertificate, encodePem('CERTIFICATE', result.certificate));
  }
}

export function writeAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}
