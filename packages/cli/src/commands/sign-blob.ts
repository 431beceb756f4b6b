import { statSync } from 'node:fs';
import { writeAtomic, emitBundle, signingOptions, type SigningFlags } from './signing.js';
import { UsageError } from '../ui/exit.js';

export interface SignBlobFlags extends SigningFlags {
  outputSignature?: string;
}

export async function signBlob(file: string, o: SignBlobFlags): Promise<void> {
  requireFile(file);
  const opts = await signingOptions(o);
  const { signBlob: sign } = await import('@sigil/client/sign');
  const result = await sign({ path: file }, opts);
  await emitBundle(result, o);
  if (o.outputSignature && 'messageSignature' in result.bundle) writeAtomic(o.outputSignature, result.bundle.messageSignature.signature + '\n');
}

export function requireFile(file: string): void {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new UsageError(`${file}: no such file`);
  }
  if (!st.isFile()) throw new UsageError(`${file} is not a regular file`);
}
