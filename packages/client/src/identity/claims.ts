// Reading an identity token's claims WITHOUT verifying it: the CA verifies the signature
// against the issuer's keys, and a client holding no trust in the issuer could not do better.
// What the client does check is shape and freshness, so that a pasted fragment or a
// stale CI token fails here, with a message, instead of as an opaque CA rejection.
import { identityError } from './identity-error.js';
import { MAX_TOKEN_RESPONSE_BYTES } from './http.js';

export type IdentitySource = 'explicit' | 'env' | 'github-actions' | 'gcp' | 'browser' | 'device';

export interface IdentityClaims {
  iss: string;
  sub?: string;
  email?: string;
  /** Seconds since the epoch. */
  exp?: number;
}

export interface IdentityToken {
  /** The JWT itself. Never print or log it. */
  token: string;
  source: IdentitySource;
  claims: IdentityClaims;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Three base64url segments: what a compact JWS looks like before anything is decoded. */
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!SEGMENT.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The payload of a compact JWS as an object, or a reason it is not one. The reason never
 * quotes the token.
 */
export function decodeJwtPayload(token: string): { payload: Record<string, unknown> } | { reason: string } {
  if (token.length > MAX_TOKEN_RESPONSE_BYTES) return { reason: `it is longer than ${MAX_TOKEN_RESPONSE_BYTES} characters` };
  const parts = token.split('.');
  if (parts.length !== 3) return { reason: `a JWT has three dot-separated parts, this has ${parts.length}` };
  const [head = '', body = '', signature = ''] = parts;
  const header = decodeSegment(head);
  if (!header) return { reason: 'its header is not base64url-encoded JSON' };
  if (typeof header.alg !== 'string' || header.alg === '' || header.alg.toLowerCase() === 'none') {
    // An unsigned token would only be refused later, by the CA, with less to go on.
    return { reason: 'its header names no signature algorithm' };
  }
  if (!SEGMENT.test(signature)) return { reason: 'it has no signature' };
  const payload = decodeSegment(body);
  if (!payload) return { reason: 'its payload is not base64url-encoded JSON' };
  return { payload };
}

function optionalString(payload: Record<string, unknown>, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks a token's shape, that it names an issuer and has not expired, and reads the claims
 * Sigil shows (issuer, subject, email, expiry). `describe` names the token's origin in
 * messages, e.g. "SIGSTORE_ID_TOKEN".
 */
export function readIdentityToken(raw: string, source: IdentitySource, describe: string, now: number = Date.now()): IdentityToken {
  const token = raw.trim();
  if (token === '') throw identityError(describe, 'the identity token is empty');
  const decoded = decodeJwtPayload(token);
  if ('reason' in decoded) throw identityError(describe, `the identity token is not a well-formed JWT: ${decoded.reason}`);
  const { payload } = decoded;
  const iss = optionalString(payload, 'iss');
  if (!iss) throw identityError(describe, 'the identity token names no issuer (iss claim)');
  const exp = payload.exp;
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) {
    throw identityError(describe, 'the identity token has an exp claim that is not a number');
  }
  if (typeof exp === 'number' && exp * 1000 <= now) {
    const ago = Math.round(now / 1000 - exp);
    throw identityError(describe, `the identity token expired at ${new Date(exp * 1000).toISOString()} (${ago} s ago)`, {
      hint: 'identity tokens live minutes: get a fresh one just before signing',
    });
  }
  const claims: IdentityClaims = { iss };
  const sub = optionalString(payload, 'sub');
  const email = optionalString(payload, 'email');
  if (sub !== undefined) claims.sub = sub;
  if (email !== undefined) claims.email = email;
  if (typeof exp === 'number') claims.exp = exp;
  return { token, source, claims };
}

/** Whether the token's `aud` (a string or an array) includes `audience`. */
export function hasAudience(payload: Record<string, unknown>, audience: string): boolean {
  const aud = payload.aud;
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}
