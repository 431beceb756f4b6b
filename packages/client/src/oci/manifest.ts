/**
 * Image manifests and indexes (OCI image spec v1.1, Docker v2 schema 2 and manifest list),
 * parsed from untrusted registry bytes with schema checks and size caps (RS-68).
 *
 * Parsing never re-serializes: the digest that matters is of the bytes as fetched, so
 * callers keep those bytes and treat the parsed object as a read-only view of them.
 */
import { createHash } from 'node:crypto';
import { SigilError } from '@sigil/core';
import { isDigest, parseDigest } from './digest.js';
import {
  DOCKER_MANIFEST_SCHEMA1_SIGNED,
  IMAGE_MANIFEST_TYPES,
  INDEX_TYPES,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  essence,
  isMediaType,
} from './media-types.js';

/** Registries commonly refuse manifests over 4 MiB; a larger answer is an attack or an accident. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Layers in one manifest, or manifests in one index (cosign's cap; GHSA-88jx-383q-w4qc). */
export const MAX_DESCRIPTORS = 1000;
const MAX_URLS = 16;

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly variant?: string;
  readonly features?: readonly string[];
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
  readonly artifactType?: string;
  /** Embedded content, base64; checked against digest and size when parsed. */
  readonly data?: string;
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type Manifest = ImageManifest | ImageIndex;

export function isIndex(m: Manifest): m is ImageIndex {
  return INDEX_TYPES.includes(m.mediaType);
}

type Json = Record<string, unknown>;

class Invalid extends Error {}

function fail(why: string): never {
  throw new Invalid(why);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parse manifest bytes. `contentType` is the registry's `Content-Type`; when the document
 * also names its `mediaType` the two must agree, so one set of bytes cannot be read as
 * an index by one client and as an image by another (CVE-2021-41190).
 */
export function parseManifest(bytes: Uint8Array, contentType?: string | null): Manifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new SigilError('ERR_OCI_LIMIT', `manifest of ${bytes.length} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte cap`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new SigilError('ERR_OCI', 'manifest is not UTF-8 JSON', { cause });
  }
  try {
    return manifestFrom(doc, essence(contentType));
  } catch (err) {
    if (err instanceof Invalid) throw new SigilError('ERR_OCI', `invalid manifest: ${err.message}`);
    throw err;
  }
}

function manifestFrom(doc: unknown, headerType: string): Manifest {
  if (!isObject(doc)) fail('not a JSON object');
  if (doc.schemaVersion !== 2) {
    if (doc.schemaVersion === 1 || headerType === DOCKER_MANIFEST_SCHEMA1_SIGNED) fail('Docker schema 1 manifests are not supported');
    fail('schemaVersion must be 2');
  }
  const declared = optionalString(doc, 'mediaType');
  const known = (t: string): boolean => IMAGE_MANIFEST_TYPES.includes(t) || INDEX_TYPES.includes(t);
  if (declared !== undefined && known(headerType) && declared !== headerType) {
    fail(`document says mediaType ${declared} but the registry sent Content-Type ${headerType}`);
  }
  if ('manifests' in doc && ('layers' in doc || 'config' in doc)) fail('has both "manifests" and "layers"/"config"');
  const mediaType = declared ?? (known(headerType) ? headerType : 'manifests' in doc ? OCI_IMAGE_INDEX : OCI_IMAGE_MANIFEST);
  if (!known(mediaType)) fail(`unsupported manifest media type ${mediaType.slice(0, 100)}`);
  const common = {
    schemaVersion: 2 as const,
    mediaType,
    ...optional('artifactType', optionalMediaType(doc, 'artifactType')),
    ...optional('subject', doc.subject === undefined ? undefined : descriptor(doc.subject, 'subject')),
    ...optional('annotations', annotations(doc.annotations, 'annotations')),
  };
  if (INDEX_TYPES.includes(mediaType)) {
    if ('layers' in doc || 'config' in doc) fail('an index has no "config" or "layers"');
    return { ...common, manifests: descriptors(doc.manifests, 'manifests') };
  }
  if ('manifests' in doc) fail('an image manifest has no "manifests"');
  return { ...common, config: descriptor(doc.config, 'config'), layers: descriptors(doc.layers, 'layers') };
}

function descriptors(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) fail(`${where} must be an array`);
  if (value.length > MAX_DESCRIPTORS) {
    throw new SigilError('ERR_OCI_LIMIT', `manifest lists ${value.length} ${where}; the cap is ${MAX_DESCRIPTORS}`);
  }
  return value.map((d, i) => descriptor(d, `${where}[${i}]`));
}

/** Check one descriptor (OCI image spec descriptor.md); the result keeps only known fields. */
function descriptor(value: unknown, where = 'descriptor'): Descriptor {
  if (!isObject(value)) fail(`${where} must be an object`);
  const mediaType = optionalMediaType(value, 'mediaType', where);
  if (mediaType === undefined) fail(`${where}.mediaType is required`);
  const digest = value.digest;
  if (typeof digest !== 'string' || !isDigest(digest)) fail(`${where}.digest must be sha256:<64 hex> or sha512:<128 hex>`);
  const size = value.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(`${where}.size must be a non-negative integer`);
  const data = optionalString(value, 'data', where);
  if (data !== undefined) checkData(data, digest, size, where);
  return {
    mediaType,
    digest,
    size,
    ...optional('urls', urls(value.urls, where)),
    ...optional('annotations', annotations(value.annotations, `${where}.annotations`)),
    ...optional('platform', value.platform === undefined ? undefined : platform(value.platform, `${where}.platform`)),
    ...optional('artifactType', optionalMediaType(value, 'artifactType', where)),
    ...optional('data', data),
  };
}

// An embedded copy that disagrees with its digest would be a second, unverified source of
// the same content; consumers would otherwise have to remember to check it.
function checkData(data: string, digest: string, size: number, where: string): void {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) fail(`${where}.data is not base64`);
  const bytes = Buffer.from(data, 'base64');
  const { algorithm, hex } = parseDigest(digest);
  if (bytes.length !== size || createHash(algorithm).update(bytes).digest('hex') !== hex) {
    throw new SigilError('ERR_OCI_DIGEST', `${where}.data does not match its digest and size`);
  }
}

function urls(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_URLS || !value.every((u) => typeof u === 'string' && u.length <= 2048)) {
    fail(`${where}.urls must be an array of at most ${MAX_URLS} URLs`);
  }
  return value as string[];
}

function platform(value: unknown, where: string): Platform {
  if (!isObject(value)) fail(`${where} must be an object`);
  const architecture = optionalString(value, 'architecture', where);
  const os = optionalString(value, 'os', where);
  if (architecture === undefined || os === undefined) fail(`${where} needs architecture and os`);
  return {
    architecture,
    os,
    ...optional('os.version', optionalString(value, 'os.version', where)),
    ...optional('os.features', stringArray(value['os.features'], `${where}.os.features`)),
    ...optional('variant', optionalString(value, 'variant', where)),
    ...optional('features', stringArray(value.features, `${where}.features`)),
  };
}

function annotations(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) fail(`${where} must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`${where}["${k.slice(0, 80)}"] must be a string`);
    out[k] = v;
  }
  return out;
}

function stringArray(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) fail(`${where} must be an array of strings`);
  return value;
}

function optionalString(obj: Json, key: string, where = ''): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(`${where ? `${where}.` : ''}${key} must be a string`);
  return v;
}

function optionalMediaType(obj: Json, key: string, where = ''): string | undefined {
  const v = optionalString(obj, key, where);
  if (v !== undefined && !isMediaType(v)) fail(`${where ? `${where}.` : ''}${key} is not a valid media type`);
  return v;
}

/** Spread helper that leaves absent fields absent rather than `undefined`. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
