import type { ResolvedIssuer } from '../config.js';
import { tokenRejected } from '../messages.js';
import { renderExtensions, type ExtensionValues } from './extensions.js';
import { issuerOf, requireUri, subjectOf, type Claims, type Principal } from './principal.js';
import { MissingTemplateValue, type Template } from './template.js';

/**
 * `ci-provider` issuers (Fulcio `pkg/identity/ciprovider`): the SAN and each extension come
 * from the provider's templates over the token's claims merged over the configured
 * defaults (claims win). A template naming an absent claim refuses the token. The issuer
 * extensions always come from `iss`.
 */
export function ciProviderPrincipal(issuer: ResolvedIssuer, claims: Claims): Principal {
  const ci = issuer.ci;
  if (!ci) throw tokenRejected(`metadata not found for ci provider ${issuer.CIProvider ?? ''}`);
  const data = new Map(ci.defaults);
  for (const [k, v] of Object.entries(claims)) {
    // Go formats each claim with %s; only scalars have a meaningful text form.
    if (typeof v === 'string') data.set(k, v);
    else if (typeof v === 'number' || typeof v === 'boolean') data.set(k, String(v));
  }
  const render = (t: Template, what: string) => {
    try {
      return t.render(data);
    } catch (err) {
      if (err instanceof MissingTemplateValue) throw tokenRejected(`missing ${err.key} claim in ID token (needed for ${what})`);
      throw err;
    }
  };
  const san = requireUri(render(ci.subjectAlternativeName, 'the subject alternative name'), 'subject alternative name');
  const values: ExtensionValues = {};
  for (const { field, template } of ci.extensions) values[field] = render(template, field);
  return { san: { type: 'uri', value: san }, challenge: subjectOf(claims), extensions: renderExtensions(issuerOf(claims), values) };
}
