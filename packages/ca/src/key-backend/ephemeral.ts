import { randomBytes } from 'node:crypto';
import { createCaHierarchy, type CaNames } from './hierarchy.js';
import { KeyPairSigner, type CaSigner } from './signer.js';

/** A root and an intermediate generated in memory, gone with the process (development and tests). */
export async function ephemeralCaSigner(opts: { names?: CaNames; now?: Date } = {}): Promise<CaSigner> {
  const h = await createCaHierarchy({ now: opts.now ?? new Date(), randomBytes, ...(opts.names ? { names: opts.names } : {}) });
  return new KeyPairSigner([h.intermediate.cert, h.root.cert], h.intermediate.keys.privateKey);
}
