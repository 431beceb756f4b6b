import { SigilError } from '@sigil/core';

/**
 * Which services sign: protobuf-specs `SigningConfig` (v0.2, as `sigil up` and the
 * public-good TUF repository publish it; v0.1 read too). A service is usable when its
 * `validFor` covers now and we speak its API version (Fulcio v1 API, Rekor v1). Among
 * usable ones the newest API version wins, then the order of the file, as sigstore-go
 * selects. Failures: ERR_CONFIG.
 */
export interface SigningServices {
  ca: string;
  oidc?: string;
  /** Log URLs to write to (one for selector ANY, all for ALL, `count` for EXACT). */
  tlogs: string[];
  tsas: string[];
}

const MEDIA_V01 = 'application/vnd.dev.sigstore.signingconfig.v0.1+json';
const MEDIA_V02 = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';
const MAX_BYTES = 256 * 1024;

interface Service {
  url: string;
  majorApiVersion: number;
  start?: number;
  end?: number;
}

/** API versions this client speaks, per service list. */
const SUPPORTED = { ca: [1], oidc: [1], tlog: [1], tsa: [1] } as const;

export function parseSigningConfig(input: unknown, now: Date = new Date()): SigningServices {
  const doc = asObject(readDoc(input), 'signing config');
  const t = now.getTime();
  if (doc.mediaType === MEDIA_V01) {
    const ca = optionalUrl(doc.caUrl, 'caUrl');
    if (!ca) throw bad('signing config v0.1 has no caUrl');
    return { ca, oidc: optionalUrl(doc.oidcUrl, 'oidcUrl'), tlogs: urlList(doc.tlogUrls, 'tlogUrls'), tsas: urlList(doc.tsaUrls, 'tsaUrls') };
  }
  if (doc.mediaType !== MEDIA_V02) throw bad(`unsupported signing config media type ${JSON.stringify(doc.mediaType ?? null)}`);
  const pick = (field: string, versions: readonly number[]): Service[] => {
    const all = services(doc[field], field).filter((s) => (s.start === undefined || s.start <= t) && (s.end === undefined || t <= s.end));
    const usable = all.filter((s) => versions.includes(s.majorApiVersion));
    const best = Math.max(...usable.map((s) => s.majorApiVersion));
    return usable.filter((s) => s.majorApiVersion === best);
  };
  const ca = pick('caUrls', SUPPORTED.ca)[0];
  if (!ca) throw bad('signing config lists no certificate authority valid now that speaks the Fulcio v2 API');
  const tlogs = select(pick('rekorTlogUrls', SUPPORTED.tlog), doc.rekorTlogConfig, 'rekorTlogConfig');
  if (tlogs.length === 0) throw bad('signing config lists no Rekor v1 transparency log valid now (Rekor v2 logs are not supported for signing yet)');
  return {
    ca: ca.url,
    oidc: pick('oidcUrls', SUPPORTED.oidc)[0]?.url,
    tlogs: tlogs.map((s) => s.url),
    tsas: select(pick('tsaUrls', SUPPORTED.tsa), doc.tsaConfig, 'tsaConfig').map((s) => s.url),
  };
}

function select(list: Service[], config: unknown, field: string): Service[] {
  if (config === undefined || list.length === 0) return list.slice(0, 1);
  const c = asObject(config, field);
  switch (c.selector) {
    case 'ALL':
      return list;
    case 'ANY':
    case undefined:
      return list.slice(0, 1);
    case 'EXACT': {
      const n = c.count;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw bad(`${field}.count must be a positive integer`);
      if (list.length < n) throw bad(`${field} asks for ${n} services but only ${list.length} are usable`);
      return list.slice(0, n);
    }
    default:
      throw bad(`${field}.selector ${JSON.stringify(c.selector)} is not ALL, ANY or EXACT`);
  }
}

function services(v: unknown, field: string): Service[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 32) throw bad(`${field} must be a list of at most 32 services`);
  return v.map((item, i) => {
    const o = asObject(item, `${field}[${i}]`);
    const url = optionalUrl(o.url, `${field}[${i}].url`);
    if (!url) throw bad(`${field}[${i}] has no url`);
    const major = o.majorApiVersion ?? 1;
    if (typeof major !== 'number' || !Number.isInteger(major) || major < 1) throw bad(`${field}[${i}].majorApiVersion must be a positive integer`);
    const vf = o.validFor === undefined ? {} : asObject(o.validFor, `${field}[${i}].validFor`);
    return { url, majorApiVersion: major, start: time(vf.start, field), end: time(vf.end, field) };
  });
}

function time(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw bad(`${field}: invalid validFor time ${JSON.stringify(v)}`);
  return t;
}

function urlList(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 32) throw bad(`${field} must be a list of at most 32 URLs`);
  return v.map((u, i) => {
    const url = optionalUrl(typeof u === 'object' && u !== null ? (u as { url?: unknown }).url : u, `${field}[${i}]`);
    if (!url) throw bad(`${field}[${i}] has no url`);
    return url;
  });
}

function optionalUrl(v: unknown, field: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw bad(`${field} must be a URL string`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad(`${field} is not a URL: ${JSON.stringify(v)}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad(`${field} must be an http(s) URL`);
  return v.replace(/\/+$/, '');
}

function readDoc(input: unknown): unknown {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) return input;
  if (input.length > MAX_BYTES) throw bad(`signing config larger than ${MAX_BYTES} bytes`);
  try {
    return JSON.parse(input.toString());
  } catch (cause) {
    throw new SigilError('ERR_CONFIG', 'signing config is not valid JSON', { cause });
  }
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

const bad = (message: string): SigilError => new SigilError('ERR_CONFIG', message);
