import type { ResolvedIssuer } from '../config.js';
import { tokenRejected } from '../messages.js';
import { buildkiteJobPrincipal } from './buildkite-job.js';
import { ciProviderPrincipal } from './ci-provider.js';
import { emailPrincipal } from './email.js';
import { githubWorkflowPrincipal } from './github-workflow.js';
import { gitlabPipelinePrincipal } from './gitlab-pipeline.js';
import { kubernetesPrincipal } from './kubernetes.js';
import type { Claims, Principal } from './principal.js';
import { spiffePrincipal } from './spiffe.js';
import { uriPrincipal } from './uri.js';
import { usernamePrincipal } from './username.js';

export type { Claims, Principal, SubjectAlternativeName } from './principal.js';
export type { SigstoreExtension, ExtensionEncoding } from './extensions.js';
export { GITHUB_REQUIRED_CLAIMS } from './github-workflow.js';
export { GITLAB_REQUIRED_CLAIMS } from './gitlab-pipeline.js';

/**
 * The certificate identity for verified claims from `issuer` (Fulcio's `PrincipalFromIDToken`).
 * Throws ERR_TOKEN_INVALID naming the missing or unusable claim.
 */
export function principalFromClaims(issuer: ResolvedIssuer, claims: Claims): Principal {
  const p = principalOfType(issuer, claims);
  // rfc822Name and URI are IA5Strings: Go's x509 refuses anything else, and so do we.
  if (p.san.type !== 'otherName' && !/^[\x21-\x7e]+$/.test(p.san.value)) {
    throw tokenRejected(`subject alternative name ${JSON.stringify(p.san.value.slice(0, 200))} cannot be encoded as an IA5String`);
  }
  return p;
}

function principalOfType(issuer: ResolvedIssuer, claims: Claims): Principal {
  switch (issuer.Type) {
    case 'email':
      return emailPrincipal(issuer, claims);
    case 'github-workflow':
      return githubWorkflowPrincipal(claims);
    case 'gitlab-pipeline':
      return gitlabPipelinePrincipal(claims);
    case 'buildkite-job':
      return buildkiteJobPrincipal(claims);
    case 'spiffe':
      return spiffePrincipal(issuer, claims);
    case 'kubernetes':
      return kubernetesPrincipal(claims);
    case 'uri':
      return uriPrincipal(issuer, claims);
    case 'username':
      return usernamePrincipal(issuer, claims);
    case 'ci-provider':
      return ciProviderPrincipal(issuer, claims);
  }
}
