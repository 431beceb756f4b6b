import { SigilError, hashLeaf, isSigilError, precomputeEcdsaInverses } from '@sigil/core';
import type { WorkerReply } from './admission.js';
import { LIMITS } from './kinds/common.js';
import { admitEntry } from './kinds/registry.js';
import type { AdmittedLeaf } from './sequencer.js';

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new SigilError('ERR_BAD_REQUEST', 'request body is not valid JSON');
  }
}

function admitParsed(proposed: unknown): AdmittedLeaf {
  const admitted = admitEntry(proposed);
  return { canonical: admitted.canonical, leafHash: hashLeaf(admitted.canonical), indexKeys: admitted.indexKeys };
}

/** Parse and admit one proposed entry body. Pure: safe to run in a worker. */
export function admitRaw(raw: string): AdmittedLeaf {
  return admitParsed(parse(raw));
}

/** A hashedrekord's signature bytes, if the proposal looks like one (a hint only: admission checks everything). */
function hashedrekordSignature(proposed: unknown): Buffer | undefined {
  // Any JSON value reaches here (null, arrays, strings…): only reads through optional chains.
  const p = proposed as { kind?: unknown; spec?: { signature?: { content?: unknown } } } | null | undefined;
  const content = p?.spec?.signature?.content;
  if (p?.kind !== 'hashedrekord' || typeof content !== 'string' || content.length > LIMITS.signatureBase64) return undefined;
  return Buffer.from(content, 'base64');
}

/**
 * Admit the proposals waiting together, each answered on its own (a leaf or the error that
 * refused it). Same checks as admitRaw; the P-256 signatures' modular inversions are
 * shared across the batch, which saves ~25 µs of each ~190 µs admission.
 */
export type Admitted = { leaf: AdmittedLeaf } | { error: unknown };

export function admitBatch(raws: readonly string[]): Admitted[] {
  return [...admitEach(raws)];
}

/** admitBatch, yielding each answer as soon as it is known (a worker replies to each at once). */
export function* admitEach(raws: readonly string[]): Generator<Admitted> {
  const parsed = raws.map((raw): { proposed: unknown } | { error: unknown } => {
    try {
      return { proposed: parse(raw) };
    } catch (error) {
      return { error };
    }
  });
  if (parsed.length > 1) {
    precomputeEcdsaInverses(parsed.flatMap((p) => ('proposed' in p ? (hashedrekordSignature(p.proposed) ?? []) : [])));
  }
  for (const p of parsed) {
    if ('error' in p) {
      yield p;
      continue;
    }
    try {
      yield { leaf: admitParsed(p.proposed) };
    } catch (error) {
      yield { error };
    }
  }
}

export function errorReply(id: number, err: unknown): WorkerReply {
  if (isSigilError(err)) return { id, ok: false, code: err.code, message: err.message };
  return { id, ok: false, code: 'ERR_ENTRY_INVALID', message: 'entry could not be parsed' };
}
