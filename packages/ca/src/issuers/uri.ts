import type { ResolvedIssuer } from '../config.js';
import { tokenRejected } from '../messages.js';
import { renderExtensions } from './extensions.js';
import { issuerOf, subjectOf, type Claims, type Principal } from './principal.js';

export const LOOKS_LIKE_EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** `uri` issuers: `sub` is a URI with the scheme and host of the configured SubjectDomain; it is the SAN. */
export function uriPrincipal(issuer: ResolvedIssuer, claims: Claims): Principal {
  const subject = subjectOf(claims);
  if (LOOKS_LIKE_EMAIL.test(subject)) throw tokenRejected('uri subject should not be an email address');
  let s: URL;
  try {
    s = new URL(subject);
  } catch {
    throw tokenRejected(`subject ${JSON.stringify(subject.slice(0, 200))} is not a URI`);
  }
  const d = new URL(issuer.SubjectDomain ?? '');
  if (s.protocol !== d.protocol) throw tokenRejected(`subject URI scheme (${s.protocol.slice(0, -1)}) must match expected domain URI scheme (${d.protocol.slice(0, -1)})`);
  if (s.hostname !== d.hostname) throw tokenRejected(`subject hostname (${s.hostname}) must match expected domain (${d.hostname})`);
  return { san: { type: 'uri', value: subject }, challenge: subject, extensions: renderExtensions(issuerOf(claims)) };
}
