import { SigilError } from '@sigil/core';
import { guarded, invalid, quote } from './common.js';
import { dsseV001 } from './dsse.js';
import { hashedRekordV001 } from './hashedrekord.js';
import { intotoV002 } from './intoto.js';
import type { AdmittedEntry, EntryKind } from './kind.js';

/** Every entry kind/version the log admits. */
export const ENTRY_KINDS: readonly EntryKind[] = Object.freeze([hashedRekordV001, dsseV001, intotoV002]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The kind implementation for `kind`/`apiVersion`, or ERR_UNSUPPORTED_KIND. */
export function entryKind(kind: string, apiVersion: string): EntryKind {
  const versions = ENTRY_KINDS.filter((k) => k.kind === kind);
  if (versions.length === 0) {
    const known = [...new Set(ENTRY_KINDS.map((k) => k.kind))].join(', ');
    throw new SigilError('ERR_UNSUPPORTED_KIND', `unsupported entry kind ${quote(kind)} (supported: ${known})`);
  }
  const impl = versions.find((k) => k.apiVersion === apiVersion);
  if (impl === undefined) {
    const known = versions.map((k) => k.apiVersion).join(', ');
    throw new SigilError('ERR_UNSUPPORTED_KIND', `${kind} apiVersion ${quote(apiVersion)} is not supported (supported: ${known})`);
  }
  return impl;
}

/**
 * Check, verify and canonicalize a proposed entry (untrusted JSON, already parsed):
 * dispatch on `kind` + `apiVersion`, then the kind's own schema and signature checks.
 * Throws only SigilError.
 */
export function admitEntry(proposed: unknown): AdmittedEntry {
  return guarded('entry', () => {
    if (!isObject(proposed)) throw invalid('entry must be a JSON object with apiVersion, kind and spec');
    const { kind, apiVersion } = proposed;
    if (typeof kind !== 'string' || kind === '') throw invalid('kind must be a non-empty string');
    if (typeof apiVersion !== 'string' || apiVersion === '') throw invalid('apiVersion must be a non-empty string');
    return entryKind(kind, apiVersion).admit(proposed);
  });
}

/** `kind` and `apiVersion` of a stored leaf (canonical entry bytes). */
export function describeBody(canonical: Buffer): { kind: string; apiVersion: string } {
  let body: unknown;
  try {
    body = JSON.parse(canonical.toString('utf8'));
  } catch (cause) {
    throw new SigilError('ERR_ENTRY_INVALID', 'entry body is not JSON', { cause });
  }
  if (!isObject(body) || typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') {
    throw new SigilError('ERR_ENTRY_INVALID', 'entry body has no string kind and apiVersion');
  }
  return { kind: body.kind, apiVersion: body.apiVersion };
}
