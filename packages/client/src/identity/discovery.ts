// OpenID Provider discovery: the endpoints of an issuer, from its own configuration document.
import { DEFAULT_FETCH_TIMEOUT_MS, describeFailure, describeUrl, jsonObject, request } from './http.js';
import { identityError } from './identity-error.js';
import type { ProviderOptions } from './options.js';

export interface IssuerEndpoints {
  issuer: string;
  authorizationEndpoint?: string;
  tokenEndpoint: string;
  deviceAuthorizationEndpoint?: string;
  codeChallengeMethods?: string[];
}

const MAX_DISCOVERY_BYTES = 64 * 1024;

const withoutSlash = (url: string): string => url.replace(/\/+$/, '');

function endpoint(source: string, doc: Record<string, unknown>, name: string): string | undefined {
  const value = doc[name];
  if (value === undefined) return undefined;
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw identityError(source, `the discovery document's ${name} is not an http(s) URL`);
  }
  return url.href;
}

/**
 * Fetches `<issuer>/.well-known/openid-configuration` and checks that it describes `issuer`
 * (OpenID Connect Discovery §4.3: a document for another issuer must not be used).
 */
export async function discoverIssuer(issuer: string, opts: ProviderOptions & { source?: string } = {}): Promise<IssuerEndpoints> {
  const source = opts.source ?? `OIDC discovery for ${issuer}`;
  const base = URL.parse(issuer);
  if (!base || (base.protocol !== 'https:' && base.protocol !== 'http:') || base.search || base.hash) {
    throw identityError(source, 'the issuer is not a plain http(s) URL');
  }
  const url = new URL(`${withoutSlash(base.href)}/.well-known/openid-configuration`);
  const res = await request(source, {
    url, timeoutMs: opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS, maxBytes: MAX_DISCOVERY_BYTES, signal: opts.signal, followRedirects: true,
  });
  if (res.status !== 200) throw identityError(source, `${describeUrl(url)} answered ${describeFailure(res)}`);
  const doc = jsonObject(source, res, 'the discovery document');
  if (typeof doc.issuer !== 'string' || withoutSlash(doc.issuer) !== withoutSlash(issuer)) {
    throw identityError(source, `the discovery document is for another issuer (${typeof doc.issuer === 'string' ? doc.issuer.slice(0, 200) : 'none'})`);
  }
  const tokenEndpoint = endpoint(source, doc, 'token_endpoint');
  if (!tokenEndpoint) throw identityError(source, 'the discovery document has no token_endpoint');
  const methods = doc.code_challenge_methods_supported;
  return {
    issuer: doc.issuer,
    authorizationEndpoint: endpoint(source, doc, 'authorization_endpoint'),
    tokenEndpoint,
    deviceAuthorizationEndpoint: endpoint(source, doc, 'device_authorization_endpoint'),
    codeChallengeMethods: Array.isArray(methods) ? methods.filter((m): m is string => typeof m === 'string') : undefined,
  };
}
