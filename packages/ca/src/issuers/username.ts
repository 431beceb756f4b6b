import type { ResolvedIssuer } from '../config.js';
import { tokenRejected } from '../messages.js';
import { renderExtensions } from './extensions.js';
import { issuerOf, subjectOf, type Claims, type Principal } from './principal.js';
import { LOOKS_LIKE_EMAIL } from './uri.js';

/**
 * `username` issuers: SAN OtherName 1.3.6.1.4.1.57264.1.7 = `<sub>!<SubjectDomain>`
 * (critical, UTF8String); the challenge is the bare `sub`.
 */
export function usernamePrincipal(issuer: ResolvedIssuer, claims: Claims): Principal {
  const username = subjectOf(claims);
  if (username.includes('!')) throw tokenRejected('username cannot contain ! character');
  if (LOOKS_LIKE_EMAIL.test(username)) throw tokenRejected('uri subject should not be an email address');
  return {
    san: { type: 'otherName', value: `${username}!${issuer.SubjectDomain ?? ''}` },
    challenge: username,
    extensions: renderExtensions(issuerOf(claims)),
  };
}
