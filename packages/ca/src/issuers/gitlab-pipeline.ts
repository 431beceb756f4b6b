import { tokenRejected } from '../messages.js';
import { renderExtensions } from './extensions.js';
import { issuerOf, joinUrl, optionalString, requireString, requireUri, subjectOf, type Claims, type Principal } from './principal.js';

/** Required GitLab CI claims, in Fulcio's order (`pkg/identity/gitlabcom`). */
export const GITLAB_REQUIRED_CLAIMS = [
  'project_path', 'pipeline_source', 'pipeline_id', 'ci_config_ref_uri', 'job_id', 'ref', 'ref_type',
  'namespace_path', 'namespace_id', 'project_id', 'sha', 'runner_environment',
] as const;

/** Fulcio's GitLab principal uses gitlab.com as the base of repository and job URLs. */
const GITLAB_URL = 'https://gitlab.com/';

/**
 * `gitlab-pipeline` issuers: SAN URI `https://` + `ci_config_ref_uri` (also .9 and .18),
 * the challenge is `sub`; `ref` becomes `refs/heads/…` or `refs/tags/…` by `ref_type`.
 */
export function gitlabPipelinePrincipal(claims: Claims): Principal {
  const c = Object.fromEntries(GITLAB_REQUIRED_CLAIMS.map((name) => [name, requireString(claims, name)])) as Record<(typeof GITLAB_REQUIRED_CLAIMS)[number], string>;
  const runnerId = claims.runner_id;
  if (runnerId === undefined || runnerId === null || runnerId === 0) throw tokenRejected('missing runner_id claim in ID token');
  if (typeof runnerId !== 'number' || !Number.isSafeInteger(runnerId)) throw tokenRejected('runner_id claim must be an integer');
  let ref: string;
  if (c.ref_type === 'branch') ref = `refs/heads/${c.ref}`;
  else if (c.ref_type === 'tag') ref = `refs/tags/${c.ref}`;
  else throw tokenRejected(`unexpected ref_type: ${c.ref_type.slice(0, 50)}`);
  const configRef = requireUri(`https://${c.ci_config_ref_uri}`, 'ci_config_ref_uri');
  const configSha = optionalString(claims, 'ci_config_sha');
  const environment = optionalString(claims, 'environment');
  return {
    san: { type: 'uri', value: configRef },
    challenge: subjectOf(claims),
    extensions: renderExtensions(issuerOf(claims), {
      BuildSignerURI: configRef,
      BuildSignerDigest: configSha,
      RunnerEnvironment: c.runner_environment,
      SourceRepositoryURI: joinUrl(GITLAB_URL, c.project_path),
      SourceRepositoryDigest: c.sha,
      SourceRepositoryRef: ref,
      SourceRepositoryIdentifier: c.project_id,
      SourceRepositoryOwnerURI: joinUrl(GITLAB_URL, c.namespace_path),
      SourceRepositoryOwnerIdentifier: c.namespace_id,
      BuildConfigURI: configRef,
      BuildConfigDigest: configSha,
      BuildTrigger: c.pipeline_source,
      RunInvocationURI: joinUrl(GITLAB_URL, c.project_path, '-/jobs', c.job_id),
      SourceRepositoryVisibilityAtSigning: optionalString(claims, 'project_visibility'),
      ...(environment ? { DeploymentEnvironment: environment } : {}),
    }),
  };
}
