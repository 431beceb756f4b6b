import { SigilError, hashLeaf, isSigilError } from '@sigil/core';
import type { WorkerReply } from './admission.js';
import { admitEntry } from './kinds/registry.js';
import type { AdmittedLeaf } from './sequencer.js';

/** Parse and admit one proposed entry body. Pure: safe to run in a worker. */
export function admitRaw(raw: string): AdmittedLeaf {
  let proposed: unknown;
  try {
    proposed = JSON.parse(raw);
  } catch {
    throw new SigilError('ERR_BAD_REQUEST', 'request body is not valid JSON');
  }
  const admitted = admitEntry(proposed);
  return { canonical: admitted.canonical, leafHash: hashLeaf(admitted.canonical), indexKeys: admitted.indexKeys };
}

export function errorReply(id: number, err: unknown): WorkerReply {
  if (isSigilError(err)) return { id, ok: false, code: err.code, message: err.message };
  return { id, ok: false, code: 'ERR_ENTRY_INVALID', message: 'entry could not be parsed' };
}
