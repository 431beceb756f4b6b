import { renderExtensions } from './extensions.js';
import { issuerOf, joinUrl, optionalString, requireString, subjectOf, type Claims, type Principal } from './principal.js';

/**
 * The claims a GitHub Actions token must carry, in Fulcio's order (`pkg/identity/github`
 * `WorkflowPrincipalFromIDToken`); the first one missing or empty is named in the error.
 */
export const GITHUB_REQUIRED_CLAIMS = [
  'job_workflow_ref', 'sha', 'event_name', 'repository', 'workflow', 'ref', 'job_workflow_sha', 'runner_environment',
  'repository_id', 'repository_owner', 'repository_owner_id', 'repository_visibility', 'workflow_ref', 'workflow_sha',
  'run_id', 'run_attempt',
] as const;

const GITHUB_URL = 'https://github.com/';

/**
 * `github-workflow` issuers: SAN URI `https://github.com/<job_workflow_ref>`, the
 * challenge is `sub`, and the workflow claims become OIDs .2–.6 (raw) and .9–.22. .23
 * (deployment environment) appears only when the token has `environment`, as the
 * `ci-provider` templates that public-good Fulcio uses for GitHub produce it.
 */
export function githubWorkflowPrincipal(claims: Claims): Principal {
  const c = Object.fromEntries(GITHUB_REQUIRED_CLAIMS.map((name) => [name, requireString(claims, name)])) as Record<(typeof GITHUB_REQUIRED_CLAIMS)[number], string>;
  const environment = optionalString(claims, 'environment');
  const subject = subjectOf(claims);
  const signer = joinUrl(GITHUB_URL, c.job_workflow_ref);
  return {
    san: { type: 'uri', value: signer },
    challenge: subject,
    extensions: renderExtensions(issuerOf(claims), {
      GithubWorkflowTrigger: c.event_name,
      GithubWorkflowSHA: c.sha,
      GithubWorkflowName: c.workflow,
      GithubWorkflowRepository: c.repository,
      GithubWorkflowRef: c.ref,
      BuildSignerURI: signer,
      BuildSignerDigest: c.job_workflow_sha,
      RunnerEnvironment: c.runner_environment,
      SourceRepositoryURI: joinUrl(GITHUB_URL, c.repository),
      SourceRepositoryDigest: c.sha,
      SourceRepositoryRef: c.ref,
      SourceRepositoryIdentifier: c.repository_id,
      SourceRepositoryOwnerURI: joinUrl(GITHUB_URL, c.repository_owner),
      SourceRepositoryOwnerIdentifier: c.repository_owner_id,
      BuildConfigURI: joinUrl(GITHUB_URL, c.workflow_ref),
      BuildConfigDigest: c.workflow_sha,
      BuildTrigger: c.event_name,
      RunInvocationURI: joinUrl(GITHUB_URL, c.repository, 'actions/runs', c.run_id, 'attempts', c.run_attempt),
      SourceRepositoryVisibilityAtSigning: c.repository_visibility,
      ...(environment ? { DeploymentEnvironment: environment } : {}),
    }),
  };
}
