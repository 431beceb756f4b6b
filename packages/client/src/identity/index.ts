// Where the keyless signer's OIDC identity token comes from. The first source that applies
// wins, in cosign's order: what the user handed over beats what the machine offers, and a
// person is asked only when nothing else answers:
//   1. the identityToken option (a JWT, or a file holding one)
//   2. SIGSTORE_ID_TOKEN
//   3. GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL + ACTIONS_ID_TOKEN_REQUEST_TOKEN)
//   4. the Google Cloud metadata server (skippable; costs nothing off Google Cloud)
//   5. interactive: browser (authorization code + PKCE) or, without a TTY or when asked,
//      the device flow
// Tokens are decoded, not verified (the CA verifies); malformed and expired ones are refused.
import { browserToken } from './browser.js';
import type { IdentityToken } from './claims.js';
import { deviceToken, type DeviceCodePrompt } from './device.js';
import { envToken, explicitToken } from './explicit.js';
import { gcpMetadataToken } from './gcp-metadata.js';
import { githubActionsToken } from './github-actions.js';
import { identityError } from './identity-error.js';
import type { ProviderOptions } from './options.js';

export interface IdentityOptions extends ProviderOptions {
  /** A JWT, or the path of a file holding one. */
  identityToken?: string;
  /** Audience of ambient tokens (GitHub Actions, GCP); default `sigstore`. */
  audience?: string;
  /** false skips the GCP metadata server. */
  gcp?: boolean;
  /** How long to wait for a metadata server's headers; default 1 s. */
  gcpProbeTimeoutMs?: number;
  /** false: never ask a person; fail with how to provide a token instead. Default true. */
  interactive?: boolean;
  /** The issuer to sign in at interactively (from the signing config's oidcUrls). */
  issuer?: string;
  /** Default `sigstore`. */
  clientId?: string;
  /** Use the device flow even with a TTY. */
  device?: boolean;
  /** Whether a person is at a terminal; default process.stderr.isTTY. Without one, the device flow is used. */
  isTTY?: boolean;
  /** Time a person has for an interactive sign-in; default 5 minutes. */
  loginTimeoutMs?: number;
  onAuthUrl?: (url: string) => void;
  openBrowser?: (url: string) => void | Promise<void>;
  onDeviceCode?: (prompt: DeviceCodePrompt) => void;
}

const HOW_TO_PROVIDE = 'pass an identity token (a JWT or a file holding one), set SIGSTORE_ID_TOKEN, '
  + 'or run in GitHub Actions with `permissions: id-token: write`';

export async function getIdentityToken(opts: IdentityOptions = {}): Promise<IdentityToken> {
  const env = opts.env ?? process.env;
  const common: ProviderOptions = { env, fetchTimeoutMs: opts.fetchTimeoutMs, signal: opts.signal, now: opts.now };

  if (opts.identityToken !== undefined) return explicitToken(opts.identityToken, common);
  const fromEnv = envToken(common);
  if (fromEnv) return fromEnv;
  const fromGithub = await githubActionsToken({ ...common, audience: opts.audience });
  if (fromGithub) return fromGithub;
  if (opts.gcp !== false) {
    const fromGcp = await gcpMetadataToken({ ...common, audience: opts.audience, probeTimeoutMs: opts.gcpProbeTimeoutMs });
    if (fromGcp) return fromGcp;
  }

  if (opts.interactive === false) {
    // Inside Actions without the variables, the job lacks the permission: say so.
    const hint = env.GITHUB_ACTIONS === 'true'
      ? 'this GitHub Actions job cannot request ID tokens: add `permissions: id-token: write` to the workflow or job'
      : HOW_TO_PROVIDE;
    throw identityError('identity', 'no identity token was found and interactive sign-in is off', { hint });
  }
  if (!opts.issuer) {
    throw identityError('identity', 'no identity token was found and no issuer is configured for interactive sign-in', { hint: HOW_TO_PROVIDE });
  }
  const interactive = { issuer: opts.issuer, clientId: opts.clientId, timeoutMs: opts.loginTimeoutMs, ...common };
  if (opts.device === true || !(opts.isTTY ?? process.stderr.isTTY === true)) {
    if (!opts.onDeviceCode) {
      throw identityError(`device sign-in at ${opts.issuer}`, 'there is no way to show the user code (onDeviceCode is missing)', { hint: HOW_TO_PROVIDE });
    }
    return deviceToken({ ...interactive, onDeviceCode: opts.onDeviceCode });
  }
  return browserToken({ ...interactive, onAuthUrl: opts.onAuthUrl, openBrowser: opts.openBrowser });
}

export { browserToken, type BrowserFlowOptions } from './browser.js';
export { decodeJwtPayload, readIdentityToken, type IdentityClaims, type IdentitySource, type IdentityToken } from './claims.js';
export { deviceToken, type DeviceCodePrompt, type DeviceFlowOptions } from './device.js';
export { discoverIssuer, type IssuerEndpoints } from './discovery.js';
export { envToken, explicitToken } from './explicit.js';
export { gcpMetadataToken, type GcpMetadataOptions } from './gcp-metadata.js';
export { githubActionsToken, type GithubActionsOptions } from './github-actions.js';
export { openInBrowser } from './open-browser.js';
export type { Env as IdentityEnv, ProviderOptions as IdentityProviderOptions } from './options.js';
