import { renderExtensions } from './extensions.js';
import { issuerOf, requireString, requireUri, subjectOf, type Claims, type Principal } from './principal.js';

/** `buildkite-job` issuers (Fulcio `pkg/identity/buildkite`): SAN = the pipeline URL, issuer extensions only. */
export function buildkiteJobPrincipal(claims: Claims): Principal {
  const org = requireString(claims, 'organization_slug');
  const pipeline = requireString(claims, 'pipeline_slug');
  return {
    san: { type: 'uri', value: requireUri(`https://buildkite.com/${org}/${pipeline}`, 'pipeline URL') },
    challenge: subjectOf(claims),
    extensions: renderExtensions(issuerOf(claims)),
  };
}
