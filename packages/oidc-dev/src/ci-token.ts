// The CI issuer: a small GitHub-Actions-like OpenID issuer at `<base>/ci`. A job gets
// ACTIONS_ID_TOKEN_REQUEST_URL (`<base>/ci/token?job=<id>`, already carrying a query, so
// clients append `&audience=…` as they do with GitHub's) and ACTIONS_ID_TOKEN_REQUEST_TOKEN
// (a random secret for that job), and `GET URL&audience=X` with `Authorization: bearer
// <secret>` answers `{"value":"<JWT>"}`. The JWT carries GitHub's claim set and no email,
// so a Fulcio-style CA treats it as a `github-workflow` identity.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import { deriveGithubClaims, validateJob, type CiJobDescription } from './github-claims.js';
import { FormError, sendJson, singleParam } from './http.js';
import type { IssuerKey } from './keys.js';

/** GitHub's tokens live 5-10 minutes; ours live 5. */
export const CI_TOKEN_TTL_SECONDS = 5 * 60;
export const DEFAULT_JOB_ID = 'default';
export const DEFAULT_JOB: CiJobDescription = { id: DEFAULT_JOB_ID, repository: 'acme/app' };
const MAX_AUDIENCE_LENGTH = 512;

export interface CiEnv {
  ACTIONS_ID_TOKEN_REQUEST_URL: string;
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: string;
}

interface RegisteredJob {
  job: CiJobDescription;
  claims: Record<string, string>;
  secret: string;
  secretDigest: Buffer;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export class CiIssuer {
  readonly #jobs = new Map<string, RegisteredJob>();

  constructor(
    readonly issuer: string,
    private readonly key: IssuerKey,
    private readonly clock: () => number,
  ) {}

  /** Registers (or replaces) a job; the secret is new each time. */
  addJob(job: CiJobDescription): { id: string; token: string } {
    validateJob(job);
    const id = job.id ?? `job-${randomBytes(6).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    this.#jobs.set(id, { job: { ...job, id }, claims: deriveGithubClaims(job), secret, secretDigest: digest(secret) });
    return { id, token: secret };
  }

  ciEnv(jobId: string = DEFAULT_JOB_ID): CiEnv {
    const job = this.#jobs.get(jobId);
    if (!job) throw new Error(`oidc-dev: no CI job ${JSON.stringify(jobId)}`);
    return {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${this.issuer}/token?job=${encodeURIComponent(jobId)}`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.secret,
    };
  }

  discovery(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/.well-known/jwks`,
      subject_types_supported: ['public'],
      response_types_supported: ['id_token'],
      claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'sha', 'repository', 'repository_id',
        'repository_owner', 'repository_owner_id', 'repository_visibility', 'run_id', 'run_number', 'run_attempt',
        'runner_environment', 'actor', 'actor_id', 'workflow', 'workflow_ref', 'workflow_sha', 'head_ref', 'base_ref',
        'event_name', 'ref_type', 'ref_protected', 'environment', 'job_workflow_ref', 'job_workflow_sha'],
      id_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: ['openid'],
    };
  }

  jwks(): { keys: unknown[] } {
    return { keys: [this.key.publicJwk] };
  }

  /** Signs a token for a registered job. `audience` undefined → GitHub's default, the owner URL. */
  async mintToken(jobId: string, audience?: string): Promise<string> {
    const job = this.#jobs.get(jobId);
    if (!job) throw new Error(`oidc-dev: no CI job ${JSON.stringify(jobId)}`);
    const now = Math.floor(this.clock() / 1000);
    const aud = audience ?? `https://github.com/${job.claims.repository_owner}`;
    return new SignJWT(job.claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.key.kid })
      .setIssuer(this.issuer)
      .setAudience(aud)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + CI_TOKEN_TTL_SECONDS)
      .setJti(randomUUID())
      .sign(this.key.signingKey);
  }

  /** Serves one request whose path is relative to the issuer (`/token`, `/.well-known/…`). */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed', message: 'use GET' }, { allow: 'GET, HEAD' });
      return;
    }
    switch (path) {
      case '/.well-known/openid-configuration':
        sendJson(res, 200, this.discovery(), { 'cache-control': 'max-age=60' });
        return;
      case '/.well-known/jwks':
      case '/jwks':
        sendJson(res, 200, this.jwks(), { 'cache-control': 'max-age=60' });
        return;
      case '/token':
        await this.#serveToken(req, res, query);
        return;
      default:
        sendJson(res, 404, { error: 'not_found', message: 'no such CI issuer endpoint' });
    }
  }

  async #serveToken(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    let jobId: string | undefined;
    let audience: string | undefined;
    try {
      jobId = singleParam(query, 'job');
      audience = singleParam(query, 'audience');
    } catch (err) {
      sendJson(res, 400, { error: 'invalid_request', message: (err as FormError).message });
      return;
    }
    if (audience !== undefined && audience.length > MAX_AUDIENCE_LENGTH) {
      sendJson(res, 400, { error: 'invalid_request', message: 'audience too long' });
      return;
    }
    // The secret is compared as a fixed-length digest in constant time; an unknown job and
    // a wrong secret get the same answer.
    const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    const job = jobId === undefined ? undefined : this.#jobs.get(jobId);
    const presented = digest(match?.[1] ?? '');
    const expected = job?.secretDigest ?? digest(randomBytes(32).toString('base64url'));
    if (!timingSafeEqual(presented, expected) || !match || !job || jobId === undefined) {
      sendJson(res, 401, { error: 'unauthorized', message: 'a valid bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN for this job is required' },
        { 'www-authenticate': 'Bearer realm="oidc-dev ci"' });
      return;
    }
    const value = await this.mintToken(jobId, audience === '' ? undefined : audience);
    sendJson(res, 200, { value });
  }
}

export function createCiIssuer(issuer: string, key: IssuerKey, clock: () => number, jobs: CiJobDescription[] = []): CiIssuer {
  const ci = new CiIssuer(issuer, key, clock);
  ci.addJob(DEFAULT_JOB);
  for (const job of jobs) ci.addJob(job);
  return ci;
}
