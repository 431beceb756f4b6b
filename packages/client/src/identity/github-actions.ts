// GitHub Actions: a job granted `permissions: id-token: write` gets a request URL and a
// bearer secret in its environment; GET <url>&audience=… answers {"value": "<JWT>"}.
import { isSigilError } from '@sigil/core';
import { readIdentityToken, type IdentityToken } from './claims.js';
import { DEFAULT_FETCH_TIMEOUT_MS, describeFailure, jsonObject, request, type HttpResponse } from './http.js';
import { identityError } from './identity-error.js';
import { DEFAULT_AUDIENCE, type ProviderOptions } from './options.js';
import { sleep } from './wait.js';

const SOURCE = 'GitHub Actions';
/** The runner's token service sometimes fails a request; two more tries, as cosign does. */
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 250;

export interface GithubActionsOptions extends ProviderOptions {
  /** Default `sigstore`. */
  audience?: string;
}

/**
 * The request URL with `audience` added: GitHub's URL already has a query (`api-version=…`),
 * but a URL without one gets `?` rather than a stray `&`. The existing query is kept as is.
 */
export function tokenRequestUrl(requestUrl: string, audience: string): URL {
  const url = URL.parse(requestUrl);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw identityError(SOURCE, 'ACTIONS_ID_TOKEN_REQUEST_URL is not an http(s) URL');
  }
  const param = `audience=${encodeURIComponent(audience)}`;
  url.search = url.search.length > 1 ? `${url.search}&${param}` : `?${param}`;
  return url;
}

/** A token from the Actions runtime, or undefined outside GitHub Actions (either variable unset). */
export async function githubActionsToken(opts: GithubActionsOptions = {}): Promise<IdentityToken | undefined> {
  const env = opts.env ?? process.env;
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !bearer) return undefined;
  const url = tokenRequestUrl(requestUrl, opts.audience ?? DEFAULT_AUDIENCE);

  let res: HttpResponse | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await request(SOURCE, {
        url,
        headers: { authorization: `bearer ${bearer}` },
        timeoutMs: opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
        signal: opts.signal,
        // request() drops the Authorization header on a redirect to another origin.
        followRedirects: true,
      });
    } catch (err) {
      // Only a request that got no answer is worth repeating; an oversized one is not.
      const network = isSigilError(err) && err.details?.network === true;
      if (!network || attempt >= ATTEMPTS || opts.signal?.aborted) throw err;
      await sleep(RETRY_DELAY_MS * attempt, SOURCE, opts.signal);
      continue;
    }
    if (res.status < 500 || attempt >= ATTEMPTS) break;
    await sleep(RETRY_DELAY_MS * attempt, SOURCE, opts.signal);
  }

  if (res.status !== 200) {
    const hint = res.status === 401 || res.status === 403
      ? 'the job needs `permissions: id-token: write`, and ACTIONS_ID_TOKEN_REQUEST_TOKEN must be the runner\'s'
      : undefined;
    throw identityError(SOURCE, `the ID token request failed: ${describeFailure(res)}`, { hint });
  }
  const body = jsonObject(SOURCE, res, 'the ID token response');
  if (typeof body.value !== 'string') throw identityError(SOURCE, 'the ID token response has no "value" string');
  return readIdentityToken(body.value, 'github-actions', SOURCE, (opts.now ?? Date.now)());
}
