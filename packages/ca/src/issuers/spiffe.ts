import type { ResolvedIssuer } from '../config.js';
import { tokenRejected } from '../messages.js';
import { renderExtensions } from './extensions.js';
import { issuerOf, subjectOf, type Claims, type Principal } from './principal.js';

/** A SPIFFE ID (spiffe-id spec §2): `spiffe://<trust domain>/<path>`, no query, fragment, port or userinfo. */
const SPIFFE_ID = /^spiffe:\/\/([a-z0-9._-]+)((?:\/[A-Za-z0-9._-]+)*)$/;

/** `spiffe` issuers: `sub` is a SPIFFE ID in the configured trust domain and becomes the SAN URI. */
export function spiffePrincipal(issuer: ResolvedIssuer, claims: Claims): Principal {
  const id = subjectOf(claims);
  const m = SPIFFE_ID.exec(id);
  if (!m || m[2]!.split('/').some((seg) => seg === '.' || seg === '..')) throw tokenRejected(`invalid spiffe ID provided: ${JSON.stringify(id.slice(0, 200))}`);
  if (m[1] !== issuer.SPIFFETrustDomain) {
    throw tokenRejected(`spiffe ID trust domain ${m[1]!} doesn't match configured trust domain ${issuer.SPIFFETrustDomain ?? ''}`);
  }
  return { san: { type: 'uri', value: id }, challenge: id, extensions: renderExtensions(issuerOf(claims)) };
}
