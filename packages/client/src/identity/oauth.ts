// What the browser and device flows share: PKCE, random state, the token endpoint call and
// the checks on the ID token it returns.
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwtPayload, hasAudience, readIdentityToken, type IdentitySource, type IdentityToken } from './claims.js';
import type { IssuerEndpoints } from './discovery.js';
import { describeFailure, jsonObject, request, type HttpResponse } from './http.js';
import { identityError } from './identity-error.js';

/** Sigstore CAs read the `email` claim of a person's token. */
export const SCOPE = 'openid email';

/** 32 random bytes, base64url: for state, nonce and the PKCE verifier (RFC 7636 §7.1). */
export const randomToken = (): string => randomBytes(32).toString('base64url');

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/** An S256 PKCE pair; refuses an issuer that lists challenge methods without S256. */
export function createPkce(source: string, endpoints: IssuerEndpoints): Pkce {
  const methods = endpoints.codeChallengeMethods;
  if (methods && !methods.includes('S256')) {
    throw identityError(source, 'the issuer does not support PKCE with S256, which Sigil requires');
  }
  const verifier = randomToken();
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url'), method: 'S256' };
}

/** POSTs a token request; any status is returned, network failures throw. */
export function postTokenRequest(source: string, endpoints: IssuerEndpoints, form: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> {
  return request(source, { url: new URL(endpoints.tokenEndpoint), method: 'POST', form, timeoutMs, signal });
}

export interface ExpectedIdToken {
  source: IdentitySource;
  describe: string;
  issuer: string;
  clientId: string;
  nonce?: string;
  now: number;
}

/**
 * The ID token of a successful token response, checked for what the client can check
 * without keys: issued by the issuer it asked, for this client, answering this request.
 */
export function idTokenFrom(res: HttpResponse, expected: ExpectedIdToken): IdentityToken {
  const { describe } = expected;
  if (res.status !== 200) throw identityError(describe, `the token request failed: ${describeFailure(res)}`);
  const body = jsonObject(describe, res, 'the token response');
  if (typeof body.id_token !== 'string') {
    throw identityError(describe, 'the token response has no id_token (does the issuer grant the openid scope to this client?)');
  }
  const token = readIdentityToken(body.id_token, expected.source, describe, expected.now);
  const decoded = decodeJwtPayload(token.token);
  const payload = 'payload' in decoded ? decoded.payload : {};
  if (token.claims.iss.replace(/\/+$/, '') !== expected.issuer.replace(/\/+$/, '')) {
    throw identityError(describe, `the ID token was issued by ${token.claims.iss.slice(0, 200)}, not by the issuer asked`);
  }
  if (!hasAudience(payload, expected.clientId)) {
    throw identityError(describe, `the ID token is not for client ${expected.clientId} (aud claim)`);
  }
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
    // A token minted for another sign-in, replayed into this one.
    throw identityError(describe, 'the ID token does not carry the nonce of this sign-in');
  }
  return token;
}
