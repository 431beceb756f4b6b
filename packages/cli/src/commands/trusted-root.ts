import { writeAtomic } from './signing.js';
import { readInputFile } from '../instance.js';

/**
 * Print (or save) the trusted root of an instance, fetched and verified through TUF:
 * the public-good instance by default, or `--mirror` with its initial `--root`.
 */
export async function trustedRoot(o: { mirror?: string; root?: string; out?: string; signingConfigOut?: string; cacheDir?: string }): Promise<void> {
  const [{ fetchSigstoreTrust }, { parseTrustedRoot }] = await Promise.all([import('@sigil/client/tuf'), import('@sigil/client/verify')]);
  const got = await fetchSigstoreTrust({
    ...(o.mirror ? { mirror: o.mirror } : {}),
    ...(o.root ? { initialRoot: readInputFile(o.root, 'TUF root') } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
  });
  parseTrustedRoot(got.trustedRoot); // never hand out a document we could not use
  if (o.out) writeAtomic(o.out, got.trustedRoot);
  else process.stdout.write(got.trustedRoot.endsWith('\n') ? got.trustedRoot : got.trustedRoot + '\n');
  if (o.signingConfigOut) {
    if (!got.signingConfig) throw new Error('the TUF repository publishes no signing config');
    writeAtomic(o.signingConfigOut, got.signingConfig);
  }
}
