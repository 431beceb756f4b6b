import { SigilError } from '@sigil/core';

/**
 * cosign's `--type` shorthands → in-toto predicate type URIs (cosign's PredicateTypeMap),
 * and how cosign turns a predicate file into the Statement's `predicate`: JSON for the
 * JSON formats; the text itself for SPDX tag-value and CycloneDX XML; `{Data, Timestamp}`
 * for `custom`. Any other value must be a URI and its predicate JSON.
 */
export const PREDICATE_TYPES: Record<string, string> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  cyclonedxxml: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

const TEXT_PREDICATES = new Set(['spdx', 'cyclonedxxml']);
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const MAX_PREDICATE_BYTES = 16 * 1024 * 1024;

/** `--type` value → predicate type URI; anything not a shorthand must be an absolute URI. */
export function predicateTypeOf(type: string): string {
  const known = PREDICATE_TYPES[type];
  if (known) return known;
  let url: URL | undefined;
  try {
    url = new URL(type);
  } catch {
    url = undefined;
  }
  if (!url || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) {
    throw new SigilError('ERR_BAD_REQUEST', `invalid predicate type ${JSON.stringify(type)}: use one of ${Object.keys(PREDICATE_TYPES).join(', ')} or a URI`);
  }
  return type;
}

export interface StatementInput {
  type: string;
  predicate: Buffer;
  subjects: { name: string; digest: Record<string, string> }[];
  now?: Date;
}

export function buildStatement(input: StatementInput): Buffer {
  if (input.predicate.length > MAX_PREDICATE_BYTES) throw new SigilError('ERR_BAD_REQUEST', `predicate larger than ${MAX_PREDICATE_BYTES} bytes`);
  const predicateType = predicateTypeOf(input.type);
  const text = input.predicate.toString('utf8');
  let predicate: unknown;
  if (input.type === 'custom') {
    predicate = { Data: text, Timestamp: (input.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  } else if (TEXT_PREDICATES.has(input.type)) {
    predicate = text;
  } else {
    try {
      predicate = JSON.parse(text);
    } catch (cause) {
      throw new SigilError('ERR_BAD_REQUEST', `the ${input.type} predicate is not valid JSON`, { cause });
    }
    if (typeof predicate !== 'object' || predicate === null || Array.isArray(predicate)) throw new SigilError('ERR_BAD_REQUEST', `the ${input.type} predicate must be a JSON object`);
  }
  return Buffer.from(JSON.stringify({ _type: STATEMENT_V1, subject: input.subjects, predicateType, predicate }));
}
