import { createHash } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { isSigilError } from '@sigil/core';
import type { IssuerRegistry, ResolvedIssuer } from './config.js';
import { requireVerifiedEmail } from './issuers/email.js';
import type { Claims } from './issuers/principal.js';
import { quote, tokenRejected } from './messages.js';

/** Asymmetric algorithms only: never `none`, never HS* (a public key used as an HMAC secret). */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'EdDSA', 'PS256'] as const;
/** Real ID tokens are 1–3 KB; a bigger one is refused before it is split or decoded (GHSA-f83f-xpx7-ffpw). */
export const MAX_TOKEN_BYTES = 16 * 1024;
const MAX_DISCOVERY_BYTES = 64 * 1024;
const MAX_JWKS_BYTES = 256 * 1024;
const MAX_CACHED_ISSUERS = 100;
/** Default bound of the verified-token cache (entries; each holds a token's claims, not the token). */
export const DEFAULT_TOKEN_CACHE_SIZE = 10_000;
const MAX_REDIRECTS = 3;
/** Three base64url segments; the signature may be empty only so that `alg: none` gets a clear answer. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface TokenVerifierOptions {
  registry: IssuerRegistry;
  /** Outbound HTTP for discovery and JWKS (default: global fetch). */
  fetch?: typeof fetch;
  clock?: () => Date;
  /** Each discovery or JWKS request (default 5 s). */
  fetchTimeoutMs?: number;
  /** Minimum time between two JWKS refetches on an unknown `kid` (default 30 s). */
  jwksCooldownMs?: number;
  /** JWKS older than this is refetched before use (default 10 min). */
  jwksMaxAgeMs?: number;
  /** Discovery is redone after this long (default 1 h). */
  discoveryMaxAgeMs?: number;
  /** Allowed clock skew for exp, nbf and iat (default 60 s). */
  clockToleranceSec?: number;
  /**
   * Verified tokens remembered, least recently used dropped first (default 10,000; 0
   * turns the cache off). Only successes are kept, each until the token's `exp`.
   */
  tokenCacheSize?: number;
}

export interface VerifiedToken {
  issuer: ResolvedIssuer;
  claims: Claims;
}

interface CachedIssuer {
  /** Clock time after which discovery is redone. */
  until: number;
  keys: Promise<JWTVerifyGetKey>;
}

/** A failed discovery is remembered this long, so bad tokens cannot make us hammer an issuer. */
const FAILED_DISCOVERY_MS = 10_000;

interface CachedToken {
  /** Clock times (ms) within which a fresh verification would accept the token too: [nbf/iat − skew, exp). */
  from: number;
  until: number;
  result: VerifiedToken;
}

/**
 * OIDC ID token verification. The unverified `iss` only selects a configured issuer
 * (exact, or an anchored meta-issuer pattern); its keys come from OIDC discovery, whose
 * `issuer` must equal `iss`; then the token must verify under them with an allowed
 * algorithm, for the configured audience, within its validity (±60 s). Every failure is
 * ERR_TOKEN_INVALID (400) with Fulcio's message and the specific reason. The token
 * itself never appears in a message or a log line.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, CachedIssuer>();
  /** SHA-256 of a verified token → its result; Map order is the LRU order. */
  private readonly verified = new Map<string, CachedToken>();
  private readonly maxVerified: number;
  private hits = 0;
  private readonly fetch: typeof fetch;
  private readonly clock: () => Date;

  constructor(private readonly opts: TokenVerifierOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = opts.clock ?? (() => new Date());
    this.maxVerified = Math.max(0, Math.floor(opts.tokenCacheSize ?? DEFAULT_TOKEN_CACHE_SIZE));
  }

  /** The verified-token cache: entries held, and verifications it answered. */
  cacheStats(): { size: number; hits: number } {
    return { size: this.verified.size, hits: this.hits };
  }

  /**
   * A token seen before (same bytes) and verified is answered from the cache until its
   * `exp`, without its signature being checked again. Rejections are never remembered:
   * a token that failed is verified afresh each time.
   */
  async verify(token: unknown): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token === '') throw tokenRejected('no identity token: send credentials.oidcIdentityToken or an Authorization: Bearer header');
    if (token.length > MAX_TOKEN_BYTES) throw tokenRejected(`token larger than ${MAX_TOKEN_BYTES} bytes`);
    if (this.maxVerified === 0) return this.verifyFresh(token);
    const key = createHash('sha256').update(token).digest('base64');
    const hit = this.verified.get(key);
    if (hit) {
      const now = this.clock().getTime();
      this.verified.delete(key);
      if (now >= hit.from && now < hit.until) {
        this.verified.set(key, hit);
        this.hits++;
        return hit.result;
      }
    }
    const result = await this.verifyFresh(token);
    this.remember(key, result);
    return result;
  }

  private remember(key: string, result: VerifiedToken): void {
    const { exp, nbf, iat } = result.claims;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return;
    const skewMs = (this.opts.clockToleranceSec ?? 60) * 1000;
    const from = Math.max(typeof nbf === 'number' ? nbf * 1000 : -Infinity, typeof iat === 'number' ? iat * 1000 : -Infinity) - skewMs;
    const entry: CachedToken = { from: Number.isNaN(from) ? Infinity : from, until: exp * 1000, result };
    if (this.clock().getTime() >= entry.until) return;
    this.verified.delete(key);
    this.verified.set(key, entry);
    while (this.verified.size > this.maxVerified) this.verified.delete(this.verified.keys().next().value!);
  }

  private async verifyFresh(token: string): Promise<VerifiedToken> {
    if (!COMPACT_JWS.test(token)) throw tokenRejected('malformed token: expected a compact JWS (three base64url segments separated by dots)');
    const [h, p] = token.split('.', 2) as [string, string];
    const header = decodeSegment(h, 'header');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw tokenRejected(`signing algorithm ${typeof alg === 'string' ? quote(alg, 20) : 'missing'} is not allowed (allowed: ${ALLOWED_ALGORITHMS.join(', ')})`);
    }
    const iss = decodeSegment(p, 'payload').iss;
    if (typeof iss !== 'string' || iss === '') throw tokenRejected('token has no iss claim');
    const issuer = this.opts.registry.resolve(iss);
    if (!issuer) throw tokenRejected(`unknown issuer ${quote(iss)}: not configured on this CA`);

    const now = this.clock();
    const tolerance = this.opts.clockToleranceSec ?? 60;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keysFor(issuer.IssuerURL), {
        algorithms: [...ALLOWED_ALGORITHMS],
        issuer: issuer.IssuerURL,
        audience: issuer.ClientID,
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'iat'],
        currentDate: now,
      }));
    } catch (err) {
      if (isSigilError(err)) throw err;
      throw tokenRejected(describeJoseError(err, issuer, header.kid));
    }
    if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000 + tolerance) throw tokenRejected('token not yet valid: iat is in the future');
    if (issuer.Type === 'email') requireVerifiedEmail(issuer, payload);
    // Shared by every request that presents this token again: nobody may change it.
    return Object.freeze({ issuer, claims: deepFreeze(payload) });
  }

  /** The issuer's key set, from discovery (cached per issuer, a failure briefly). */
  private keysFor(iss: string): Promise<JWTVerifyGetKey> {
    const now = this.clock().getTime();
    const hit = this.cache.get(iss);
    if (hit && now < hit.until) {
      this.cache.delete(iss);
      this.cache.set(iss, hit);
      return hit.keys;
    }
    const entry: CachedIssuer = { until: now + (this.opts.discoveryMaxAgeMs ?? 3_600_000), keys: this.discover(iss) };
    this.cache.set(iss, entry);
    entry.keys.catch(() => {
      entry.until = Math.min(entry.until, this.clock().getTime() + FAILED_DISCOVERY_MS);
    });
    while (this.cache.size > MAX_CACHED_ISSUERS) this.cache.delete(this.cache.keys().next().value!);
    return entry.keys;
  }

  private async discover(iss: string): Promise<JWTVerifyGetKey> {
    const timeout = this.opts.fetchTimeoutMs ?? 5000;
    const url = `${iss.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: Record<string, unknown>;
    try {
      const body = await fetchSameOrigin(this.fetch, url, timeout, MAX_DISCOVERY_BYTES);
      doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      throw tokenRejected(`OIDC discovery for ${quote(iss)} failed: ${err instanceof Error ? err.message : 'error'}`);
    }
    if (typeof doc !== 'object' || doc === null) throw tokenRejected(`OIDC discovery for ${quote(iss)} failed: not a JSON object`);
    if (doc.issuer !== iss) throw tokenRejected(`OIDC discovery for ${quote(iss)} names another issuer (${typeof doc.issuer === 'string' ? quote(doc.issuer) : 'none'})`);
    let jwksUri: URL;
    try {
      jwksUri = new URL(String(doc.jwks_uri));
      if (jwksUri.protocol !== 'https:' && jwksUri.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      throw tokenRejected(`OIDC discovery for ${quote(iss)} has no usable jwks_uri`);
    }
    const fetchImpl = this.fetch;
    return createRemoteJWKSet(jwksUri, {
      timeoutDuration: timeout,
      cooldownDuration: this.opts.jwksCooldownMs ?? 30_000,
      cacheMaxAge: this.opts.jwksMaxAgeMs ?? 600_000,
      // jose asks with redirect: 'manual' and wants a 200; we also bound the body.
      [customFetch]: async (input: string | URL | Request, init?: RequestInit) => {
        const res = await fetchImpl(input, init);
        if (res.status !== 200) return res;
        return new Response(await readCapped(res, MAX_JWKS_BYTES), { status: 200, headers: res.headers });
      },
    });
  }
}

/**
 * GET with redirects followed only within the same origin: an issuer must not be able to
 * point the CA at another host (GHSA-f5mr-q85p-6hh6). No credentials are ever sent.
 */
async function fetchSameOrigin(fetchImpl: typeof fetch, start: string, timeoutMs: number, maxBytes: number): Promise<Buffer> {
  const signal = AbortSignal.timeout(timeoutMs);
  let url = new URL(start);
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetchImpl(url.href, { redirect: 'manual', signal, headers: { accept: 'application/json' } });
    } catch (err) {
      throw new Error(signal.aborted ? `no answer within ${timeoutMs} ms` : `cannot fetch ${url.href} (${(err as Error).message})`);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const location = res.headers.get('location');
      const next = location === null ? undefined : URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      if (!next) throw new Error(`redirect without a usable location from ${url.href}`);
      if (next.origin !== url.origin) throw new Error(`redirected from ${url.origin} to another host (${next.origin}); cross-host redirects are not followed`);
      if (hop >= MAX_REDIRECTS) throw new Error('too many redirects');
      url = next;
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`${url.href} answered HTTP ${res.status}`);
    }
    try {
      return await readCapped(res, maxBytes);
    } catch (err) {
      throw new Error(signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message);
    }
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/** Freeze a JSON value all the way down (claims are plain JSON from the token payload). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function decodeSegment(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw tokenRejected(`malformed token: the ${what} is not base64url JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw tokenRejected(`malformed token: the ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function describeJoseError(err: unknown, issuer: ResolvedIssuer, kid: unknown): string {
  if (err instanceof errors.JWTExpired) return err.claim === 'exp' ? 'token expired' : `token too old (${err.claim})`;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `token has no ${err.claim} claim`;
    switch (err.claim) {
      case 'aud':
        return `audience mismatch: the token's aud must include ${quote(issuer.ClientID)}`;
      case 'nbf':
        return 'token not yet valid: nbf is in the future';
      case 'iss':
        return `issuer mismatch: iss must be ${quote(issuer.IssuerURL)}`;
      default:
        return `invalid ${err.claim} claim: ${err.message}`;
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `signing algorithm is not allowed (allowed: ${ALLOWED_ALGORITHMS.join(', ')})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return "bad signature: the token does not verify with the issuer's published keys";
  if (err instanceof errors.JWKSNoMatchingKey) return `no key in the issuer's JWKS matches the token (kid ${typeof kid === 'string' ? quote(kid, 100) : 'absent'})`;
  if (err instanceof errors.JWKSTimeout) return "timed out fetching the issuer's JWKS";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return `malformed token: ${err.message}`;
  if (err instanceof errors.JOSEError) return `cannot use the issuer's JWKS: ${err.message}`;
  return `cannot fetch the issuer's JWKS: ${err instanceof Error ? err.message : 'error'}`;
}
