import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { GITHUB_WORKFLOW_REQUIRED_CLAIMS, deriveGithubClaims } from './github-claims.js';
import { startHost, type Host } from './test-support.js';

/** Answers read off the wire are typed at the assertion, not here. */
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

/** What a GitHub Actions client (actions/toolkit core.getIDToken) does with the two variables. */
async function requestIdToken(env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string }, audience: string | undefined, scheme = 'bearer') {
  const url = audience === undefined ? env.ACTIONS_ID_TOKEN_REQUEST_URL : `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`;
  return fetch(url, { headers: { authorization: `${scheme} ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`, accept: 'application/json' } });
}

describe('CI issuer', () => {
  let host: Host;
  const fixedNow = Date.UTC(2030, 0, 1, 12, 0, 0);
  let now = Date.now();

  before(async () => {
    host = await startHost({
      clock: () => now,
      jobs: [{ id: 'release', repository: 'octo-org/octo-repo', ref: 'refs/tags/v1.2.0', environment: 'prod', sha: 'a'.repeat(40), workflow: 'Release', workflowFile: '.github/workflows/release.yml', runnerEnvironment: 'self-hosted', repositoryVisibility: 'private', runId: 123456, runAttempt: 2 }],
    });
  });
  after(() => host.close());

  it('publishes discovery and a JWKS under <base>/ci', async () => {
    assert.equal(host.dev.ciIssuer, `${host.origin}/ci`);
    const res = await fetch(`${host.dev.ciIssuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = await json(res);
    assert.equal(doc.issuer, host.dev.ciIssuer);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256']);
    const jwks = await json(fetch(doc.jwks_uri));
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, 'EC');
    assert.equal(jwks.keys[0].d, undefined, 'no private part in the JWKS');
    assert.deepEqual(await json(fetch(`${host.dev.ciIssuer}/jwks`)), jwks);
  });

  it('answers a GitHub-Actions-style token request with a verifiable JWT carrying the workflow claims', async () => {
    const env = host.dev.ciEnv();
    assert.match(env.ACTIONS_ID_TOKEN_REQUEST_URL, /^http:\/\/127\.0\.0\.1:\d+\/ci\/token\?job=default$/);
    const res = await requestIdToken(env, 'sigstore');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { value } = await json(res);

    const doc = await json(fetch(`${host.dev.ciIssuer}/.well-known/openid-configuration`));
    const jwks = createRemoteJWKSet(new URL(doc.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(value, jwks, { issuer: host.dev.ciIssuer, audience: 'sigstore', algorithms: ['ES256'] });
    assert.equal(typeof protectedHeader.kid, 'string');
    for (const claim of GITHUB_WORKFLOW_REQUIRED_CLAIMS) {
      assert.equal(typeof payload[claim], 'string', `claim ${claim}`);
      assert.notEqual(payload[claim], '', `claim ${claim} is empty`);
    }
    assert.equal(payload.email, undefined);
    assert.equal(payload.email_verified, undefined);
    assert.equal(payload.aud, 'sigstore');
    assert.equal(payload.sub, 'repo:acme/app:ref:refs/heads/main');
    assert.equal(payload.repository_owner, 'acme');
    assert.equal(payload.job_workflow_ref, 'acme/app/.github/workflows/release.yml@refs/heads/main');
    assert.equal(payload.workflow_ref, payload.job_workflow_ref);
    assert.equal(payload.job_workflow_sha, payload.sha);
    assert.equal(payload.workflow_sha, payload.sha);
    assert.equal(payload.ref_type, 'branch');
    assert.equal(payload.head_ref, '');
    assert.equal(payload.base_ref, '');
    assert.equal(typeof payload.jti, 'string');
    assert.equal(payload.nbf, payload.iat);
    assert.equal(payload.exp! - payload.iat!, 300);
  });

  it('accepts the bearer scheme in any case', async () => {
    const env = host.dev.ciEnv();
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      assert.equal((await requestIdToken(env, 'sigstore', scheme)).status, 200, scheme);
    }
  });

  it('answers 401 JSON to a wrong, missing or misplaced bearer secret', async () => {
    const env = host.dev.ciEnv();
    const wrong = await requestIdToken({ ...env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-the-secret' }, 'sigstore');
    assert.equal(wrong.status, 401);
    assert.equal((await json(wrong)).error, 'unauthorized');
    assert.equal((await fetch(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`)).status, 401);
    assert.equal((await requestIdToken(env, 'sigstore', 'Basic')).status, 401);
    // Another job's secret does not open this job.
    const other = host.dev.ciEnv('release');
    assert.equal((await requestIdToken({ ...env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: other.ACTIONS_ID_TOKEN_REQUEST_TOKEN }, 'sigstore')).status, 401);
    assert.equal((await requestIdToken({ ...env, ACTIONS_ID_TOKEN_REQUEST_URL: `${host.dev.ciIssuer}/token?job=nope` }, 'sigstore')).status, 401);
    assert.equal((await requestIdToken({ ...env, ACTIONS_ID_TOKEN_REQUEST_URL: `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&job=default` }, 'sigstore')).status, 400);
  });

  it("defaults the audience to the owner's GitHub URL, as GitHub does", async () => {
    const { value } = await json(requestIdToken(host.dev.ciEnv(), undefined));
    const payload = JSON.parse(Buffer.from(value.split('.')[1], 'base64url').toString());
    assert.equal(payload.aud, 'https://github.com/acme');
  });

  it('derives sub from the environment, and uses the injected clock', async () => {
    now = fixedNow;
    try {
      const token = await host.dev.mintCiToken('release', 'sigstore');
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      assert.equal(decodeProtectedHeader(token).alg, 'ES256');
      assert.equal(payload.iat, fixedNow / 1000);
      assert.equal(payload.sub, 'repo:octo-org/octo-repo:environment:prod');
      assert.equal(payload.environment, 'prod');
      assert.equal(payload.ref_type, 'tag');
      assert.equal(payload.runner_environment, 'self-hosted');
      assert.equal(payload.repository_visibility, 'private');
      assert.equal(payload.run_id, '123456');
      assert.equal(payload.run_attempt, '2');
      assert.equal(payload.workflow, 'Release');
      assert.equal(payload.job_workflow_ref, 'octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.2.0');
    } finally {
      now = Date.now();
    }
  });

  it('adds jobs at run time, each with its own secret', async () => {
    const { id, token } = host.dev.addJob({ repository: 'acme/lib', eventName: 'pull_request', ref: 'refs/pull/7/merge' });
    const env = host.dev.ciEnv(id);
    assert.equal(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, token);
    const { value } = await json(requestIdToken(env, 'sigstore'));
    const payload = JSON.parse(Buffer.from(value.split('.')[1], 'base64url').toString());
    assert.equal(payload.sub, 'repo:acme/lib:pull_request');
    assert.throws(() => host.dev.addJob({ repository: 'not a repo' }), TypeError);
  });

  it('stays out of the host server’s other paths', async () => {
    assert.equal(host.dev.handles('/ci/token?job=x'), true);
    assert.equal(host.dev.handles('/oidc'), true);
    assert.equal(host.dev.handles(`${host.origin}/oidc/.well-known/openid-configuration`), true);
    assert.equal(host.dev.handles('/cid'), false);
    assert.equal(host.dev.handles('/api/v1/log'), false);
    assert.equal((await fetch(`${host.origin}/api/v2/configuration`)).status, 418);
  });
});

describe('deriveGithubClaims', () => {
  it('fills every claim Fulcio requires from just a repository', () => {
    const claims = deriveGithubClaims({ repository: 'acme/app' });
    for (const claim of GITHUB_WORKFLOW_REQUIRED_CLAIMS) assert.ok(claims[claim], claim);
    assert.equal(claims.sub, 'repo:acme/app:ref:refs/heads/main');
    assert.match(claims.sha!, /^[0-9a-f]{40}$/);
    assert.deepEqual(deriveGithubClaims({ repository: 'acme/app' }), claims, 'stable across calls');
  });
});
