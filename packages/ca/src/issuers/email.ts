import type { ResolvedIssuer } from '../config.js';
import { tokenRejected } from '../messages.js';
import { renderExtensions } from './extensions.js';
import { issuerOf, type Claims, type Principal } from './principal.js';

/**
 * `email` issuers (Fulcio `pkg/identity/email`): SAN rfc822Name = the verified `email`
 * claim, which is also what the proof of possession signs. Federated issuers (Dex) name
 * the upstream issuer in a claim (`IssuerClaim`), and that goes into .1/.8.
 */
export function emailPrincipal(issuer: ResolvedIssuer, claims: Claims): Principal {
  requireVerifiedEmail(issuer, claims);
  const email = claims.email as string;
  if (!/^.+@.+\..+$/.test(email)) throw tokenRejected('email address is not valid');
  return {
    san: { type: 'email', value: email },
    challenge: email,
    extensions: renderExtensions(issuerFromClaim(issuer, claims)),
  };
}

/**
 * `email` must be present and `email_verified` the JSON boolean true (not "true"), unless
 * the issuer is configured with SkipEmailVerification.
 */
export function requireVerifiedEmail(issuer: Pick<ResolvedIssuer, 'SkipEmailVerification'>, claims: Claims): void {
  const email = claims.email;
  if (email === undefined || email === null || email === '') throw tokenRejected('missing email claim in ID token');
  if (typeof email !== 'string') throw tokenRejected('email claim must be a string');
  if (issuer.SkipEmailVerification) return;
  const v = claims.email_verified;
  if (v === true) return;
  const got = v === undefined ? 'the claim is missing' : `got ${typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 20))}` : JSON.stringify(v)}`;
  throw tokenRejected(`email not verified: email_verified must be true (${got})`);
}

/** Fulcio's `oauthflow.IssuerFromIDToken`: `iss`, or the claim at the configured JSONPath. */
function issuerFromClaim(issuer: ResolvedIssuer, claims: Claims): string {
  if (issuer.IssuerClaim === undefined) return issuerOf(claims);
  let v: unknown = claims;
  for (const key of issuer.IssuerClaim.slice(2).split('.')) {
    v = typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (typeof v !== 'string' || v === '') throw tokenRejected(`issuer claim ${issuer.IssuerClaim} missing or not a string in ID token`);
  return v;
}
