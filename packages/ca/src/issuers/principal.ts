import { tokenRejected } from '../messages.js';
import type { SigstoreExtension } from './extensions.js';

/** Verified token claims (the JWT payload). */
export type Claims = Readonly<Record<string, unknown>>;

export interface SubjectAlternativeName {
  /** rfc822Name, uniformResourceIdentifier, or OtherName 1.3.6.1.4.1.57264.1.7 (UTF8String). */
  type: 'email' | 'uri' | 'otherName';
  value: string;
}

/** What a certificate says about who asked for it (Fulcio's `identity.Principal`). */
export interface Principal {
  san: SubjectAlternativeName;
  /** The text the proof of possession must sign: `email` for email issuers, else `sub`. */
  challenge: string;
  extensions: SigstoreExtension[];
}

/** A claim that must be a non-empty string (Go decodes claims into string fields; empty counts as missing). */
export function requireString(claims: Claims, name: string): string {
  const v = claims[name];
  if (v === undefined || v === null || v === '') throw tokenRejected(`missing ${name} claim in ID token`);
  if (typeof v !== 'string') throw tokenRejected(`${name} claim must be a string`);
  return v;
}

export function optionalString(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw tokenRejected(`${name} claim must be a string`);
  return v;
}

/** The token's `iss` (already checked against the configuration by the token layer). */
export function issuerOf(claims: Claims): string {
  return requireString(claims, 'iss');
}

/** The token's `sub`: the proof-of-possession challenge of every non-email issuer. */
export function subjectOf(claims: Claims): string {
  return requireString(claims, 'sub');
}

/** Go's `url.Parse` is lenient; a SAN URI must at least be an absolute URL. */
export function requireUri(value: string, what: string): string {
  try {
    new URL(value);
  } catch {
    throw tokenRejected(`${what} ${JSON.stringify(value.slice(0, 200))} is not a valid URI`);
  }
  return value;
}

/** Go's `url.URL.JoinPath(...).String()` for the simple relative paths CI claims hold. */
export function joinUrl(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].join('/');
}
