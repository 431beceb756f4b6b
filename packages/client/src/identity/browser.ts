// Interactive sign-in in a browser: OAuth 2.0 authorization code with PKCE (S256) and a
// loopback redirect (RFC 8252), state and nonce checked, as cosign does it.
import type { IdentityToken } from './claims.js';
import { discoverIssuer } from './discovery.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from './http.js';
import { identityError, sanitize } from './identity-error.js';
import { startLoopback, type LoopbackHit } from './loopback.js';
import { createPkce, idTokenFrom, postTokenRequest, randomToken, SCOPE } from './oauth.js';
import { openInBrowser } from './open-browser.js';
import { DEFAULT_CLIENT_ID, DEFAULT_LOGIN_TIMEOUT_MS, type ProviderOptions } from './options.js';
import { withDeadline } from './wait.js';

export interface BrowserFlowOptions extends Omit<ProviderOptions, 'env'> {
  issuer: string;
  /** Default `sigstore`. */
  clientId?: string;
  /** Receives the authorization URL (a CLI prints it for when no browser opens). */
  onAuthUrl?: (url: string) => void;
  /** Opens the URL; default: xdg-open / open, failures ignored. Not awaited. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** Default 5 minutes. */
  timeoutMs?: number;
}

/** The authorization code of a redirect, after the checks that tie it to this sign-in. */
function codeFrom(source: string, params: URLSearchParams, state: string, issuer: string): string {
  if (params.get('state') !== state) {
    // Not the answer to our request: a stale tab, or a page forging a redirect to us.
    throw identityError(source, 'the redirect does not carry the state of this sign-in; start again');
  }
  const error = params.get('error');
  if (error !== null) {
    const description = sanitize(params.get('error_description'));
    throw identityError(source, `the issuer refused the sign-in: ${sanitize(error, 64)}${description ? `: ${description}` : ''}`);
  }
  // RFC 9207: an issuer that says who it is must be the one we asked (mix-up defence).
  const iss = params.get('iss');
  if (iss !== null && iss.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
    throw identityError(source, 'the redirect comes from another issuer');
  }
  const code = params.get('code');
  if (!code) throw identityError(source, 'the redirect carries no authorization code');
  return code;
}

export async function browserToken(opts: BrowserFlowOptions): Promise<IdentityToken> {
  const source = `browser sign-in at ${opts.issuer}`;
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const fetchTimeoutMs = opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  const endpoints = await discoverIssuer(opts.issuer, { fetchTimeoutMs, signal: opts.signal, source });
  if (!endpoints.authorizationEndpoint) throw identityError(source, 'the issuer has no authorization_endpoint');
  const pkce = createPkce(source, endpoints);
  const state = randomToken();
  const nonce = randomToken();

  const loopback = await startLoopback();
  let hit: LoopbackHit | undefined;
  try {
    const authUrl = new URL(endpoints.authorizationEndpoint);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: loopback.redirectUri,
      scope: SCOPE,
      state,
      nonce,
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
    })) authUrl.searchParams.set(name, value);
    const href = authUrl.href;
    opts.onAuthUrl?.(href);
    // Not awaited: an opener may not return until the browser closes, or ever.
    const open = opts.openBrowser ?? openInBrowser;
    Promise.resolve().then(() => open(href)).catch(() => undefined);

    hit = await withDeadline(loopback.hit, timeoutMs, source, `no sign-in completed within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`, opts.signal);
    const code = codeFrom(source, hit.params, state, endpoints.issuer);
    const res = await postTokenRequest(source, endpoints, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: loopback.redirectUri,
      client_id: clientId,
      code_verifier: pkce.verifier,
    }, fetchTimeoutMs, opts.signal);
    const token = idTokenFrom(res, {
      source: 'browser', describe: source, issuer: endpoints.issuer, clientId, nonce, now: (opts.now ?? Date.now)(),
    });
    hit.respond(true, 'You are signed in. You can close this tab and return to the terminal.');
    return token;
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'unknown error';
    hit?.respond(false, `${reason}. You can close this tab; the terminal has the details.`);
    throw err;
  } finally {
    await loopback.close();
  }
}
