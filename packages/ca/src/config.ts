import { SigilError } from '@sigil/core';
import { extensionFieldOf, type ExtensionField } from './issuers/extensions.js';
import { parseTemplate, type Template } from './issuers/template.js';

/**
 * Issuer configuration in Fulcio's file shape (`pkg/config/config.go`, JSON keys):
 * which OIDC issuers the CA trusts, how each maps to a certificate identity, and the
 * claim templates of `ci-provider` issuers. Validated strictly: unknown keys, unknown
 * types and unparsable templates are configuration errors.
 */

export const ISSUER_TYPES = [
  'email', 'github-workflow', 'gitlab-pipeline', 'buildkite-job', 'spiffe', 'kubernetes', 'uri', 'username', 'ci-provider',
] as const;
export type IssuerType = (typeof ISSUER_TYPES)[number];

export interface OIDCIssuer {
  /** The token's exact `iss`. For a meta-issuer, the concrete `iss` once matched. */
  IssuerURL: string;
  /** The audience a token must carry (default `sigstore`). */
  ClientID: string;
  Type: IssuerType;
  /** `ci-provider` only: the key into `CIIssuerMetadata`. */
  CIProvider?: string;
  /** `email` only: a JSONPath (`$.a.b`) to the claim naming the upstream issuer (federation). */
  IssuerClaim?: string;
  /** `uri`: scheme and host a subject must have; `username`: the domain after `!`. */
  SubjectDomain?: string;
  /** `spiffe`: the trust domain subjects must belong to. */
  SPIFFETrustDomain?: string;
  /** Published by /api/v2/configuration; the proof of possession itself is over `email` (email type) or `sub`. */
  ChallengeClaim?: string;
  /** `email`: accept tokens without `email_verified: true`. */
  SkipEmailVerification?: boolean;
  Description?: string;
  Contact?: string;
}

export type MetaIssuer = Omit<OIDCIssuer, 'IssuerURL'>;

export interface CIIssuerMetadata {
  DefaultTemplateValues: Record<string, string>;
  /** Extension field (Go name `BuildSignerURI` or YAML name `build-signer-uri`) → template. */
  ExtensionTemplates: Record<string, string>;
  SubjectAlternativeNameTemplate: string;
}

export interface IssuerConfig {
  OIDCIssuers: Record<string, OIDCIssuer>;
  /** Wildcard URL → issuer; each `*` matches `[-_a-zA-Z0-9]+`, and the whole URL must match. */
  MetaIssuers: Record<string, MetaIssuer>;
  CIIssuerMetadata: Record<string, CIIssuerMetadata>;
}

/** What callers may write: the file shape, with every section and `ClientID` optional. */
export interface IssuerConfigInput {
  OIDCIssuers?: Record<string, Partial<OIDCIssuer> & { Type: IssuerType }>;
  MetaIssuers?: Record<string, Partial<MetaIssuer> & { Type: IssuerType }>;
  CIIssuerMetadata?: Record<string, Partial<CIIssuerMetadata>>;
}

export const DEFAULT_CLIENT_ID = 'sigstore';

export function defaultIssuerConfig(): IssuerConfig {
  return { OIDCIssuers: {}, MetaIssuers: {}, CIIssuerMetadata: {} };
}

/** Parse and validate a configuration (JSON text or an already-decoded object). */
export function parseIssuerConfig(input: unknown): IssuerConfig {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (cause) {
      throw new SigilError('ERR_CONFIG', 'issuer configuration is not valid JSON (YAML is not supported: convert it to JSON)', { cause });
    }
  }
  const top = object(raw, 'issuer configuration');
  only(top, ['OIDCIssuers', 'MetaIssuers', 'CIIssuerMetadata'], 'issuer configuration');
  const cfg = defaultIssuerConfig();
  for (const [name, v] of Object.entries(object(top.OIDCIssuers ?? {}, 'OIDCIssuers'))) {
    const iss = issuerEntry(v, `OIDCIssuers[${name}]`);
    if (iss.IssuerURL === undefined) iss.IssuerURL = name;
    if (iss.IssuerURL !== name) fail(`OIDCIssuers[${name}]: IssuerURL ${iss.IssuerURL} differs from its key`);
    checkUrl(name, `OIDCIssuers[${name}]`);
    cfg.OIDCIssuers[name] = iss as OIDCIssuer;
  }
  for (const [pattern, v] of Object.entries(object(top.MetaIssuers ?? {}, 'MetaIssuers'))) {
    const iss = issuerEntry(v, `MetaIssuers[${pattern}]`);
    if (iss.IssuerURL !== undefined) fail(`MetaIssuers[${pattern}]: IssuerURL is not allowed on a meta-issuer (the pattern is the key)`);
    if (!pattern.includes('*')) fail(`MetaIssuers[${pattern}]: a meta-issuer pattern needs at least one *`);
    checkUrl(pattern.replaceAll('*', 'x'), `MetaIssuers[${pattern}]`);
    if (iss.Type === 'spiffe') fail(`MetaIssuers[${pattern}]: SPIFFE meta-issuers are not supported`);
    delete iss.IssuerURL;
    cfg.MetaIssuers[pattern] = iss;
  }
  for (const [name, v] of Object.entries(object(top.CIIssuerMetadata ?? {}, 'CIIssuerMetadata'))) {
    cfg.CIIssuerMetadata[name] = ciMetadata(v, name);
  }
  for (const [where, iss] of [
    ...Object.entries(cfg.OIDCIssuers).map(([k, v]) => [`OIDCIssuers[${k}]`, v] as const),
    ...Object.entries(cfg.MetaIssuers).map(([k, v]) => [`MetaIssuers[${k}]`, v] as const),
  ]) {
    checkTypeRules(iss, where, 'IssuerURL' in iss ? iss.IssuerURL : undefined, cfg);
  }
  return cfg;
}

/** A copy of `config` with one more exact issuer (validated as a whole). */
export function addIssuer(config: IssuerConfig, issuer: Partial<OIDCIssuer> & { IssuerURL: string; Type: IssuerType }): IssuerConfig {
  return parseIssuerConfig({ ...config, OIDCIssuers: { ...config.OIDCIssuers, [issuer.IssuerURL]: issuer } });
}

/** A copy of `config` with one more meta-issuer (wildcard URL). */
export function addMetaIssuer(config: IssuerConfig, pattern: string, issuer: Partial<MetaIssuer> & { Type: IssuerType }): IssuerConfig {
  return parseIssuerConfig({ ...config, MetaIssuers: { ...config.MetaIssuers, [pattern]: issuer } });
}

/**
 * The regular expression of a meta-issuer: the URL regex-quoted, each `*` replaced by
 * `[-_a-zA-Z0-9]+`, anchored at both ends. Fulcio's unanchored form let
 * `https://evil.example/?https://oidc.eks.x.amazonaws.com/id/y` match (GHSA-59jp-pj84-45mr).
 */
export function metaIssuerPattern(wildcard: string): RegExp {
  const quoted = wildcard.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  return new RegExp(`^${quoted.join('[-_a-zA-Z0-9]+')}$`);
}

/** Fulcio's `issuerToChallengeClaim`: the claim a client signs for this issuer type. */
export function challengeClaimOf(iss: Pick<OIDCIssuer, 'Type' | 'ChallengeClaim'>): string {
  if (iss.ChallengeClaim) return iss.ChallengeClaim;
  return iss.Type === 'email' ? 'email' : 'sub';
}

/** An issuer matched for a token, with its compiled CI templates when it is a `ci-provider`. */
export interface ResolvedIssuer extends OIDCIssuer {
  /** The meta-issuer pattern it matched, if not an exact issuer. */
  wildcard?: string;
  ci?: CompiledCIMetadata;
}

export interface CompiledCIMetadata {
  provider: string;
  defaults: ReadonlyMap<string, string>;
  extensions: ReadonlyArray<{ field: ExtensionField; template: Template }>;
  subjectAlternativeName: Template;
}

/** The configuration compiled for lookups: exact issuers, anchored meta-issuer patterns, CI templates. */
export class IssuerRegistry {
  private readonly metas: Array<{ pattern: string; re: RegExp; issuer: MetaIssuer }>;
  private readonly ci = new Map<string, CompiledCIMetadata>();

  constructor(readonly config: IssuerConfig) {
    this.metas = Object.entries(config.MetaIssuers).map(([pattern, issuer]) => ({ pattern, re: metaIssuerPattern(pattern), issuer }));
    for (const [provider, meta] of Object.entries(config.CIIssuerMetadata)) this.ci.set(provider, compileCI(provider, meta));
  }

  static from(input: IssuerConfig | IssuerConfigInput | string): IssuerRegistry {
    return new IssuerRegistry(parseIssuerConfig(input));
  }

  /** The issuer a token's (unverified) `iss` selects, or undefined. Exact issuers win over patterns. */
  resolve(iss: string): ResolvedIssuer | undefined {
    const exact = Object.hasOwn(this.config.OIDCIssuers, iss) ? this.config.OIDCIssuers[iss] : undefined;
    if (exact) return this.withCI({ ...exact });
    for (const m of this.metas) {
      if (m.re.test(iss)) return this.withCI({ ...m.issuer, IssuerURL: iss, wildcard: m.pattern });
    }
    return undefined;
  }

  private withCI(iss: ResolvedIssuer): ResolvedIssuer {
    if (iss.Type === 'ci-provider' && iss.CIProvider !== undefined) iss.ci = this.ci.get(iss.CIProvider);
    return iss;
  }

  /** GET /api/v2/configuration (proto3 JSON: empty fields omitted). */
  toConfiguration(): { issuers: Array<Record<string, string | boolean>> } {
    const entry = (iss: MetaIssuer, key: Record<string, string>) => {
      const out: Record<string, string | boolean> = { ...key, audience: iss.ClientID, challengeClaim: challengeClaimOf(iss) };
      if (iss.SPIFFETrustDomain) out.spiffeTrustDomain = iss.SPIFFETrustDomain;
      out.issuerType = iss.Type;
      if (iss.SubjectDomain) out.subjectDomain = iss.SubjectDomain;
      if (iss.SkipEmailVerification) out.skipEmailVerification = true;
      return out;
    };
    return {
      issuers: [
        ...Object.values(this.config.OIDCIssuers).map((i) => entry(i, { issuerUrl: i.IssuerURL })),
        ...Object.entries(this.config.MetaIssuers).map(([p, i]) => entry(i, { wildcardIssuerUrl: p })),
      ],
    };
  }
}

function compileCI(provider: string, meta: CIIssuerMetadata): CompiledCIMetadata {
  const where = `CIIssuerMetadata[${provider}]`;
  // Fulcio checks every template when it loads the configuration; so do we.
  const compile = (text: string, what: string) => {
    try {
      return parseTemplate(text);
    } catch (err) {
      return fail(`${where}.${what}: ${(err as Error).message}`);
    }
  };
  const extensions = Object.entries(meta.ExtensionTemplates)
    .filter(([, t]) => t.trim() !== '')
    .map(([name, t]) => ({ field: extensionFieldOf(name)!, template: compile(t, `ExtensionTemplates.${name}`) }));
  return {
    provider,
    defaults: new Map(Object.entries(meta.DefaultTemplateValues)),
    extensions,
    subjectAlternativeName: compile(meta.SubjectAlternativeNameTemplate, 'SubjectAlternativeNameTemplate'),
  };
}

// --- validation ---

function fail(message: string): never {
  throw new SigilError('ERR_CONFIG', `issuer configuration: ${message}`);
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} must be an object`);
  if (Object.hasOwn(v, '__proto__')) fail(`${where}: "__proto__" is not a valid key`);
  return v as Record<string, unknown>;
}

function only(o: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${where}: unknown key ${JSON.stringify(k)} (allowed: ${keys.join(', ')})`);
}

const ISSUER_KEYS = ['IssuerURL', 'ClientID', 'Type', 'CIProvider', 'IssuerClaim', 'SubjectDomain', 'SPIFFETrustDomain', 'ChallengeClaim', 'SkipEmailVerification', 'Description', 'Contact'] as const;

function issuerEntry(v: unknown, where: string): Partial<OIDCIssuer> & { Type: IssuerType; ClientID: string } {
  const o = object(v, where);
  only(o, ISSUER_KEYS, where);
  const out: Record<string, unknown> = {};
  for (const k of ISSUER_KEYS) {
    const val = o[k];
    if (val === undefined) continue;
    if (k === 'SkipEmailVerification') {
      if (typeof val !== 'boolean') fail(`${where}.${k} must be a boolean`);
    } else if (typeof val !== 'string' || val === '') {
      fail(`${where}.${k} must be a non-empty string`);
    }
    out[k] = val;
  }
  if (!ISSUER_TYPES.includes(out.Type as IssuerType)) {
    fail(`${where}.Type ${JSON.stringify(out.Type ?? null)} is not supported (one of ${ISSUER_TYPES.join(', ')}; codefresh and chainguard tokens go through ci-provider)`);
  }
  out.ClientID ??= DEFAULT_CLIENT_ID;
  return out as Partial<OIDCIssuer> & { Type: IssuerType; ClientID: string };
}

function checkUrl(url: string, where: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail(`${where}: ${JSON.stringify(url)} is not an absolute URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') fail(`${where}: issuer URLs must be http(s)`);
  if (u.username || u.password || u.hash) fail(`${where}: issuer URLs may not carry credentials or a fragment`);
  return u;
}

function ciMetadata(v: unknown, provider: string): CIIssuerMetadata {
  const where = `CIIssuerMetadata[${provider}]`;
  const o = object(v, where);
  only(o, ['DefaultTemplateValues', 'ExtensionTemplates', 'ClaimsTemplates', 'SubjectAlternativeNameTemplate'], where);
  if (o.ExtensionTemplates !== undefined && o.ClaimsTemplates !== undefined) fail(`${where}: give ExtensionTemplates or ClaimsTemplates, not both`);
  const strings = (x: unknown, w: string): Record<string, string> => {
    const m = object(x ?? {}, w);
    for (const [k, s] of Object.entries(m)) if (typeof s !== 'string') fail(`${w}.${k} must be a string`);
    return { ...(m as Record<string, string>) };
  };
  const ext = strings(o.ExtensionTemplates ?? o.ClaimsTemplates, `${where}.ExtensionTemplates`);
  for (const name of Object.keys(ext)) {
    if (name === 'Issuer' || name === 'issuer') fail(`${where}.ExtensionTemplates.${name}: the issuer extensions always come from the token`);
    if (!extensionFieldOf(name)) fail(`${where}.ExtensionTemplates: unknown extension ${JSON.stringify(name)}`);
  }
  const san = o.SubjectAlternativeNameTemplate;
  if (typeof san !== 'string' || san.trim() === '') fail(`${where}.SubjectAlternativeNameTemplate must be a non-empty string`);
  const meta = { DefaultTemplateValues: strings(o.DefaultTemplateValues, `${where}.DefaultTemplateValues`), ExtensionTemplates: ext, SubjectAlternativeNameTemplate: san };
  compileCI(provider, meta);
  return meta;
}

function checkTypeRules(iss: MetaIssuer, where: string, issuerUrl: string | undefined, cfg: IssuerConfig): void {
  if (iss.IssuerClaim !== undefined) {
    if (iss.Type !== 'email') fail(`${where}: only email issuers can use issuer claim mapping`);
    if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(iss.IssuerClaim)) fail(`${where}.IssuerClaim must be a JSONPath like $.federated_claims.connector_id`);
  }
  if (iss.CIProvider !== undefined && iss.Type !== 'ci-provider') fail(`${where}: CIProvider is only for Type ci-provider`);
  if (iss.SkipEmailVerification !== undefined && iss.Type !== 'email') fail(`${where}: SkipEmailVerification is only for Type email`);
  switch (iss.Type) {
    case 'ci-provider':
      if (iss.CIProvider === undefined) fail(`${where}: Type ci-provider needs CIProvider`);
      if (!Object.hasOwn(cfg.CIIssuerMetadata, iss.CIProvider)) fail(`${where}: no CIIssuerMetadata for CI provider ${JSON.stringify(iss.CIProvider)}`);
      break;
    case 'spiffe':
      if (!iss.SPIFFETrustDomain) fail(`${where}: spiffe issuer must have SPIFFETrustDomain set`);
      if (!/^[a-z0-9._-]+$/.test(iss.SPIFFETrustDomain)) fail(`${where}: spiffe trust domain is invalid`);
      break;
    case 'uri': {
      if (!iss.SubjectDomain) fail(`${where}: uri issuer must have SubjectDomain set`);
      const d = checkUrl(iss.SubjectDomain, `${where}.SubjectDomain`);
      if (issuerUrl !== undefined) {
        const u = new URL(issuerUrl);
        if (u.protocol !== d.protocol) fail(`${where}: SubjectDomain and issuer URI schemes do not match`);
        checkAllowedDomain(d.hostname, u.hostname, where);
      }
      break;
    }
    case 'username':
      if (!iss.SubjectDomain) fail(`${where}: username issuer must have SubjectDomain set`);
      if (iss.SubjectDomain.includes('://') || iss.SubjectDomain.includes('!')) fail(`${where}: SubjectDomain for username should be a bare domain`);
      if (issuerUrl !== undefined) checkAllowedDomain(iss.SubjectDomain, new URL(issuerUrl).hostname, where);
      break;
    default:
      break;
  }
}

/** Fulcio's `validateAllowedDomain`: equal hostnames, or the same last two labels. */
function checkAllowedDomain(subjectHost: string, issuerHost: string, where: string): void {
  if (subjectHost === issuerHost) return;
  const s = subjectHost.split('.');
  const i = issuerHost.split('.');
  if (s.length < 2 || i.length < 2) fail(`${where}: URI hostname too short: ${s.length < 2 ? subjectHost : issuerHost}`);
  if (s.at(-1) !== i.at(-1) || s.at(-2) !== i.at(-2)) fail(`${where}: hostname top-level and second-level domains do not match: ${subjectHost}, ${issuerHost}`);
}
