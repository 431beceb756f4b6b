// The login issuer: oidc-provider at `<base>/oidc`, for people. It serves discovery, JWKS,
// the authorization code flow (PKCE S256 required) and the device authorization grant for
// one public native client, `sigstore`, whose loopback redirect URIs may use any port
// (RFC 8252 §7.3) and any path. ID tokens carry `sub` = `email` = the typed address and
// `email_verified: true`, `aud` = `sigstore`, ES256.
//
// Storage is in memory (memory-adapter.ts): sessions and codes do not survive a restart.
// Nothing here logs a token; oidc-provider itself only logs through `debug` when the
// DEBUG environment variable asks for it.
import { randomBytes } from 'node:crypto';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { renderDeviceConfirmPage, renderDeviceInputPage, renderDeviceSuccessPage, renderMessagePage } from './login/pages.js';
import type { IssuerKey } from './keys.js';
import { MemoryAdapter, MemoryStore } from './memory-adapter.js';

export const SIGSTORE_CLIENT_ID = 'sigstore';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type OidcProviderModule = typeof import('oidc-provider');

let loaded: Promise<OidcProviderModule> | undefined;

/**
 * Imports oidc-provider once. Its module body warns that Node 20 is not a runtime it
 * supports (it wants 22 LTS); the project targets Node >= 20.19, where the features used
 * here work and are tested, so that single notice is dropped. Every other warning stays.
 */
function importOidcProvider(): Promise<OidcProviderModule> {
  loaded ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      warn.apply(console, args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return loaded;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `http://127.0.0.1:<any port>/<any path>` and the same for localhost and [::1]. */
export function isLoopbackRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  return url !== null && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && url.username === '' && url.password === '' && url.hash === '';
}

export interface LoginProvider {
  provider: Provider;
  close(): void;
}

export async function createLoginProvider(issuer: string, key: IssuerKey): Promise<LoginProvider> {
  const { Provider: ProviderClass, interactionPolicy } = await importOidcProvider();
  const issuerPath = new URL(issuer).pathname.replace(/\/$/, '');
  const store = new MemoryStore();

  // Each authorization asks for an email again, even with a live session in the browser:
  // a developer switching identities should not be signed in silently as the last one.
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(new interactionPolicy.Check(
    'dev_issuer_asks_every_time',
    'the development issuer asks for an email on every sign-in',
    (ctx) => (ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
  ));

  const configuration: Configuration = {
    adapter: (name: string) => new MemoryAdapter(name, store),
    jwks: { keys: [key.privateJwk] },
    clients: [{
      client_id: SIGSTORE_CLIENT_ID,
      client_name: 'Sigstore client',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', DEVICE_CODE_GRANT],
      response_types: ['code'],
      // Ports are free for native clients (RFC 8252); the path is widened below.
      redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
      id_token_signed_response_alg: 'ES256',
    }],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    scopes: ['openid'],
    responseTypes: ['code'],
    // Put the email claims in the ID token itself: that is the token Fulcio reads.
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: id, email_verified: true }),
    }),
    interactions: {
      policy,
      url: (_ctx, interaction) => `${issuerPath}/interaction/${interaction.uid}`,
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      DeviceCode: 600,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx: KoaContextWithOIDC, form: string, _out, err) => {
          let error: string | undefined;
          if (err && (('userCode' in err && err.userCode) || err.name === 'NoCodeError')) error = 'That code is not valid. Try again.';
          else if (err?.name === 'AbortedError') error = 'The sign-in was aborted.';
          else if (err) error = 'There was an error processing your request.';
          ctx.type = 'html';
          ctx.body = renderDeviceInputPage(form, error);
        },
        userCodeConfirmSource: (ctx: KoaContextWithOIDC, form: string, client, _info, userCode: string) => {
          ctx.type = 'html';
          ctx.body = renderDeviceConfirmPage(form, client.clientName ?? client.clientId, userCode);
        },
        successSource: (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = renderDeviceSuccessPage();
        },
      },
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderMessagePage('Sign-in error', `${out.error}: ${out.error_description ?? ''}`);
    },
  };

  const provider = new ProviderClass(issuer, configuration);

  // RFC 8252 §7.3 fixes the loopback port as the client's choice; sigstore clients also
  // pick their own callback path, so any loopback http URI is accepted for this client.
  const client = provider.Client;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .call(this)
  const redirectUriAllowed = client.prototype.redirectUriAllowed;
  client.prototype.redirectUriAllowed = function allowLoopback(this: InstanceType<typeof client>, value: string): boolean {
    if (this.clientId === SIGSTORE_CLIENT_ID && isLoopbackRedirect(value)) return true;
    return redirectUriAllowed.call(this, value);
  };

  provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    // One line, without the query string or the body: either could hold a code or token.
    console.error(`oidc-dev: login issuer failed on ${ctx.method} ${ctx.path}: ${err.name}: ${err.message.slice(0, 200)}`);
  });

  return { provider, close: () => store.clear() };
}
