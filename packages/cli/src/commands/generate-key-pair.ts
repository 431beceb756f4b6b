import { existsSync } from 'node:fs';
import { UsageError } from '../ui/exit.js';
import { writeAtomic } from './signing.js';

/**
 * cosign's `generate-key-pair`: an ECDSA P-256 key in cosign's encrypted format
 * (PREFIX.key, mode 0600) and its public key (PREFIX.pub). The password comes from
 * COSIGN_PASSWORD or a prompt. Existing files are kept unless --force.
 */
export async function generateKeyPair(o: { outputKeyPrefix: string; force?: boolean; quiet?: boolean }): Promise<void> {
  const keyPath = `${o.outputKeyPrefix}.key`;
  const pubPath = `${o.outputKeyPrefix}.pub`;
  for (const p of [keyPath, pubPath]) {
    if (existsSync(p) && !o.force) throw new UsageError(`${p} already exists (use --force to overwrite)`);
  }
  const { readPassword } = await import('../ui/password.js');
  const password = await readPassword({ purpose: 'encrypt' });
  const { generateCosignKeyPair } = await import('@sigil/client/keys');
  const pair = generateCosignKeyPair(password);
  writeAtomic(keyPath, pair.privateKeyPem, 0o600);
  writeAtomic(pubPath, pair.publicKeyPem);
  if (!o.quiet) process.stderr.write(`sigil: private key written to ${keyPath}\nsigil: public key written to ${pubPath}\n`);
}
