// The OAuth 2.0 device authorization grant (RFC 8628), for a terminal without a browser:
// the user approves a short code on another device while we poll the token endpoint.
import type { IdentityToken } from './claims.js';
import { discoverIssuer } from './discovery.js';
import { DEFAULT_FETCH_TIMEOUT_MS, describeFailure, jsonObject, oauthError, request } from './http.js';
import { identityError } from './identity-error.js';
import { createPkce, idTokenFrom, postTokenRequest, SCOPE } from './oauth.js';
import { DEFAULT_CLIENT_ID, DEFAULT_LOGIN_TIMEOUT_MS, type ProviderOptions } from './options.js';
import { sleep as realSleep } from './wait.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.2: without an interval the client waits 5 s between polls… */
const DEFAULT_INTERVAL_S = 5;
/** …and §3.5: slow_down adds 5 s to it for good. */
const SLOW_DOWN_STEP_S = 5;

export interface DeviceCodePrompt {
  /** Where to enter the code. */
  verificationUri: string;
  /** The same with the code filled in, when the issuer offers it (suits a QR code). */
  verificationUriComplete?: string;
  userCode: string;
  /** Seconds until the code expires. */
  expiresIn: number;
}

export interface DeviceFlowOptions extends Omit<ProviderOptions, 'env'> {
  issuer: string;
  /** Default `sigstore`. */
  clientId?: string;
  /** Shows the code and where to enter it; required, since the flow is useless unseen. */
  onDeviceCode: (prompt: DeviceCodePrompt) => void;
  /** Upper bound on the wait, besides the code's own expiry; default 5 minutes. */
  timeoutMs?: number;
  /** The pause between polls (tests pass a fast one). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

export async function deviceToken(opts: DeviceFlowOptions): Promise<IdentityToken> {
  const source = `device sign-in at ${opts.issuer}`;
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const fetchTimeoutMs = opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  const pause = opts.sleep ?? ((ms: number, signal?: AbortSignal) => realSleep(ms, source, signal));
  const started = now();

  const endpoints = await discoverIssuer(opts.issuer, { fetchTimeoutMs, signal: opts.signal, source });
  if (!endpoints.deviceAuthorizationEndpoint) {
    throw identityError(source, 'the issuer has no device_authorization_endpoint', { hint: 'use the browser sign-in instead' });
  }
  // RFC 8628 has no PKCE, but issuers that accept it bind the device code to this client
  // with it, and the others ignore the extra parameters (sigstore-go's flow sends it too).
  const pkce = createPkce(source, endpoints);
  const authorization = await request(source, {
    url: new URL(endpoints.deviceAuthorizationEndpoint),
    method: 'POST',
    form: { client_id: clientId, scope: SCOPE, code_challenge: pkce.challenge, code_challenge_method: pkce.method },
    timeoutMs: fetchTimeoutMs,
    signal: opts.signal,
  });
  if (authorization.status !== 200) throw identityError(source, `the device authorization request failed: ${describeFailure(authorization)}`);
  const body = jsonObject(source, authorization, 'the device authorization response');
  const { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri, verification_uri_complete: complete } = body;
  if (typeof deviceCode !== 'string' || typeof userCode !== 'string' || typeof verificationUri !== 'string') {
    throw identityError(source, 'the device authorization response lacks device_code, user_code or verification_uri');
  }
  const expiresIn = positiveNumber(body.expires_in) ?? 300;
  let intervalS = positiveNumber(body.interval) ?? DEFAULT_INTERVAL_S;
  const deadline = Math.min(started + expiresIn * 1000, started + (opts.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS));

  const prompt: DeviceCodePrompt = { verificationUri, userCode, expiresIn };
  if (typeof complete === 'string') prompt.verificationUriComplete = complete;
  opts.onDeviceCode(prompt);

  for (;;) {
    await pause(intervalS * 1000, opts.signal);
    const res = await postTokenRequest(source, endpoints, {
      grant_type: DEVICE_CODE_GRANT,
      device_code: deviceCode,
      client_id: clientId,
      code_verifier: pkce.verifier,
    }, fetchTimeoutMs, opts.signal);
    if (res.status === 200) {
      return idTokenFrom(res, { source: 'device', describe: source, issuer: endpoints.issuer, clientId, now: now() });
    }
    const { error } = oauthError(res);
    switch (error) {
      case 'authorization_pending':
        break;
      case 'slow_down':
        intervalS += SLOW_DOWN_STEP_S;
        break;
      case 'access_denied':
        throw identityError(source, 'the sign-in was denied at the verification page');
      case 'expired_token':
        throw identityError(source, 'the code expired before it was approved; start again');
      default:
        throw identityError(source, `polling the token endpoint failed: ${describeFailure(res)}`);
    }
    // Checked after a poll, so an approval in the last interval still counts.
    if (now() >= deadline) throw identityError(source, 'the code was not approved in time; start again');
  }
}
