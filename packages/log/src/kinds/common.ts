import { Ajv, type ErrorObject } from 'ajv';
import { SigilError, decodeBase64, type SigilErrorCode } from '@sigil/core';

/**
 * Size limits for proposed entries. Every string and array in an entry kind's schema is
 * bounded by one of these, so nothing user-supplied is decoded, parsed or hashed before
 * its size is known.
 */
export const LIMITS = {
  /** hashedrekord `signature.content` (base64). */
  signatureBase64: 8 * 1024,
  /** A base64 PEM key or certificate (`publicKey.content`, DSSE verifiers, intoto publicKey). */
  publicKeyBase64: 64 * 1024,
  /** DSSE envelope serialized as a JSON string (dsse) and the double-base64 payload (intoto). */
  envelopeChars: 4 * 1024 * 1024,
  /** Signatures in one envelope; also the number of DSSE verifiers. */
  signatures: 16,
  /** A DSSE `sig` as base64 (intoto: base64 of it, so 4/3 larger). */
  envelopeSignatureBase64: 8 * 1024,
  payloadTypeChars: 256,
  keyidChars: 256,
  /** PEM blocks looked at in one verifier (Rekor caps chains at 10). */
  pemBlocks: 10,
  /** in-toto subjects (and SLSA materials) turned into index keys. */
  inTotoSubjects: 1024,
} as const;

export function fail(code: SigilErrorCode, message: string, cause?: unknown): SigilError {
  return new SigilError(code, message, cause === undefined ? undefined : { cause });
}

export function invalid(message: string): SigilError {
  return new SigilError('ERR_ENTRY_INVALID', message);
}

/** A user-supplied string, quoted and cut short, safe to put in an error message. */
export function quote(text: string, max = 64): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * Runs admission, turning anything that is not a SigilError (a parser or crypto library
 * throwing on hostile input) into ERR_ENTRY_INVALID, so callers see only coded errors.
 */
export function guarded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SigilError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new SigilError('ERR_ENTRY_INVALID', `${what} could not be processed: ${reason.slice(0, 200)}`, { cause: err });
  }
}

/** Re-raise a core error with the entry field it concerns in front of its message. */
export function withField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SigilError) throw new SigilError(err.code, `${field}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** De-duplicate index keys, lowercased, first occurrence first. */
export function uniqueKeys(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => k.toLowerCase()))];
}

/** Strict standard base64 (padded); the error names the field. */
export function decodeBase64Field(text: string, field: string): Buffer {
  return decodeBase64(text, field);
}

// ---- JSON schemas -------------------------------------------------------------------

export type Schema = Record<string, unknown>;

/** A string of 1..max characters (min 0 for optional-content fields like keyid). */
export function str(max: number, min = 1): Schema {
  return { type: 'string', minLength: min, maxLength: max };
}

export function constant(value: string): Schema {
  return { type: 'string', const: value };
}

export function oneOf(values: readonly string[]): Schema {
  return { type: 'string', enum: [...values] };
}

/** A closed object: unknown fields are refused. All properties required unless listed. */
export function obj(properties: Record<string, Schema>, required: readonly string[] = Object.keys(properties)): Schema {
  return { type: 'object', additionalProperties: false, required: [...required], properties };
}

export function arr(items: Schema, minItems: number, maxItems: number): Schema {
  return { type: 'array', minItems, maxItems, items };
}

const ajv = new Ajv({ allErrors: false, strict: true });

/**
 * Compile `schema` once (module load) into a checker that returns the value typed as T
 * or throws ERR_ENTRY_INVALID naming the first offending field, `root` prefixed.
 */
export function compileSchema<T>(schema: Schema, root = ''): (value: unknown) => T {
  const validate = ajv.compile(schema);
  return (value: unknown): T => {
    if (validate(value)) return value as T;
    const first = validate.errors?.[0];
    throw invalid(first ? describeSchemaError(first, root) : `${root || 'entry'} is invalid`);
  };
}

/** JSON pointer (`/spec/signatures/0/sig`) → field path (`spec.signatures[0].sig`). */
export function fieldPath(root: string, pointer: string): string {
  let out = root;
  if (pointer === '') return out || 'entry';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9][0-9]*)$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${quote(seg)}]`;
  }
  return out;
}

function join(path: string, name: string): string {
  const child = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `[${quote(name)}]`;
  if (path === 'entry') return child;
  return child.startsWith('[') ? `${path}${child}` : `${path}.${child}`;
}

function describeSchemaError(err: ErrorObject, root: string): string {
  const path = fieldPath(root, err.instancePath);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return `${join(path, String(p.missingProperty))} is missing`;
    case 'additionalProperties':
      return `${path} has an unknown field ${quote(String(p.additionalProperty))}`;
    case 'type': {
      const t = String(p.type);
      return `${path} must be ${t === 'object' ? 'a JSON object' : t === 'array' ? 'an array' : `a ${t}`}`;
    }
    case 'const':
      return `${path} must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `${path} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'maxLength':
      return `${path} is too long (at most ${String(p.limit)} characters)`;
    case 'minLength':
      return p.limit === 1 ? `${path} must not be empty` : `${path} is too short (at least ${String(p.limit)} characters)`;
    case 'maxItems':
      return `${path} has too many items (at most ${String(p.limit)})`;
    case 'minItems':
      return p.limit === 1 ? `${path} must not be empty` : `${path} must have at least ${String(p.limit)} items`;
    default:
      return `${path} ${err.message ?? 'is invalid'}`;
  }
}
