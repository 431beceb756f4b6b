// The claim set of a GitHub Actions OIDC token, derived from a small job description the
// way GitHub derives it (docs.github.com, "OpenID Connect reference": OIDC token claims).
// Every value is a string, as in GitHub's tokens. Fulcio's github-workflow principal
// rejects a token lacking any of GITHUB_WORKFLOW_REQUIRED_CLAIMS (PROTOCOLS.md §4.5).
import { createHash } from 'node:crypto';

/** A CI job the dev issuer can mint tokens for. Everything but `repository` has a default. */
export interface CiJobDescription {
  /** Job id used in ACTIONS_ID_TOKEN_REQUEST_URL (`?job=<id>`); generated when absent. */
  id?: string;
  /** `owner/name`, e.g. `acme/app`. */
  repository: string;
  /** Default `refs/heads/main`. */
  ref?: string;
  /** 40 hex digits; default derived from repository and ref. */
  sha?: string;
  /** Workflow name; default `release`. */
  workflow?: string;
  /** Default `.github/workflows/release.yml`. */
  workflowFile?: string;
  /** Default `push`. */
  eventName?: string;
  /** Default `github-hosted`. */
  runnerEnvironment?: 'github-hosted' | 'self-hosted';
  /** Default `public`. */
  repositoryVisibility?: 'public' | 'private' | 'internal';
  /** Deployment environment; when set, `sub` names it instead of the ref. */
  environment?: string;
  /** Default: the repository owner. */
  actor?: string;
  runId?: string | number;
  runAttempt?: string | number;
  runNumber?: string | number;
  repositoryId?: string | number;
  repositoryOwnerId?: string | number;
  actorId?: string | number;
  refProtected?: boolean;
  /** Pull-request events only. */
  headRef?: string;
  baseRef?: string;
}

/** Claims Fulcio's github-workflow principal requires (sigstore/fulcio pkg/identity/github). */
export const GITHUB_WORKFLOW_REQUIRED_CLAIMS = [
  'job_workflow_ref', 'sha', 'event_name', 'repository', 'workflow', 'ref', 'job_workflow_sha',
  'runner_environment', 'repository_id', 'repository_owner', 'repository_owner_id',
  'repository_visibility', 'workflow_ref', 'workflow_sha', 'run_id', 'run_attempt',
] as const;

const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
const SHA = /^[0-9a-f]{40}$/;

/** A stable fake numeric id (GitHub ids are decimal strings) so repeated runs agree. */
function stableId(label: string): string {
  const digest = createHash('sha256').update(`oidc-dev:${label}`).digest();
  return String(digest.readUIntBE(0, 4) + 1_000_000);
}

function refType(ref: string): string {
  if (ref.startsWith('refs/heads/')) return 'branch';
  if (ref.startsWith('refs/tags/')) return 'tag';
  return '';
}

/** Checks a job description; throws a TypeError naming the bad field. */
export function validateJob(job: CiJobDescription): void {
  if (!REPOSITORY.test(job.repository)) throw new TypeError(`CI job repository must look like "owner/name", got ${JSON.stringify(job.repository)}`);
  if (job.sha !== undefined && !SHA.test(job.sha)) throw new TypeError('CI job sha must be 40 lowercase hex digits');
  if (job.ref !== undefined && !job.ref.startsWith('refs/')) throw new TypeError('CI job ref must start with refs/');
  if (job.id !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(job.id)) throw new TypeError('CI job id must be 1-64 characters of [A-Za-z0-9._-]');
}

/** The GitHub-specific claims (everything but iss, aud, iat, nbf, exp, jti) for one job. */
export function deriveGithubClaims(job: CiJobDescription): Record<string, string> {
  validateJob(job);
  const repository = job.repository;
  const owner = repository.slice(0, repository.indexOf('/'));
  const ref = job.ref ?? 'refs/heads/main';
  const sha = job.sha ?? createHash('sha1').update(`${repository}@${ref}`).digest('hex');
  const workflowFile = job.workflowFile ?? '.github/workflows/release.yml';
  const eventName = job.eventName ?? 'push';
  const workflowRef = `${repository}/${workflowFile}@${ref}`;
  const repositoryOwnerId = String(job.repositoryOwnerId ?? stableId(`owner:${owner}`));

  // GitHub's default subject: environment first, then pull_request, then the ref.
  let sub: string;
  if (job.environment !== undefined) sub = `repo:${repository}:environment:${job.environment}`;
  else if (eventName === 'pull_request') sub = `repo:${repository}:pull_request`;
  else sub = `repo:${repository}:ref:${ref}`;

  const claims: Record<string, string> = {
    sub,
    ref,
    sha,
    repository,
    repository_owner: owner,
    repository_owner_id: repositoryOwnerId,
    repository_id: String(job.repositoryId ?? stableId(`repo:${repository}`)),
    repository_visibility: job.repositoryVisibility ?? 'public',
    actor: job.actor ?? owner,
    actor_id: String(job.actorId ?? repositoryOwnerId),
    run_id: String(job.runId ?? stableId(`run:${repository}:${ref}:${sha}`)),
    run_number: String(job.runNumber ?? 1),
    run_attempt: String(job.runAttempt ?? 1),
    runner_environment: job.runnerEnvironment ?? 'github-hosted',
    workflow: job.workflow ?? 'release',
    head_ref: job.headRef ?? '',
    base_ref: job.baseRef ?? '',
    event_name: eventName,
    ref_type: refType(ref),
    ref_protected: String(job.refProtected ?? false),
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
  };
  if (job.environment !== undefined) claims.environment = job.environment;
  return claims;
}
