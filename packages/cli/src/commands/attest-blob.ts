import { basename } from 'node:path';
import { readInputFile } from '../instance.js';
import { requireFile } from './sign-blob.js';
import { emitBundle, signingOptions, type SigningFlags } from './signing.js';

export interface AttestBlobFlags extends SigningFlags {
  predicate: string;
  type: string;
}

export async function attestBlob(file: string, o: AttestBlobFlags): Promise<void> {
  requireFile(file);
  const { attestBlob: attest, predicateTypeOf, MAX_PREDICATE_BYTES } = await import('@sigil/client/sign');
  predicateTypeOf(o.type); // a bad --type fails before any network step
  const predicate = readInputFile(o.predicate, 'predicate', MAX_PREDICATE_BYTES);
  const opts = await signingOptions(o);
  const result = await attest({ artifact: { path: file }, name: basename(file), type: o.type, predicate }, opts);
  await emitBundle(result, o);
}
