/**
 * Registry authentication (distribution token spec, RFC 7235 challenges): Basic, and
 * Bearer tokens fetched from the challenge's realm anonymously, with basic credentials,
 * with an OAuth2 refresh token, or given outright. Tokens are cached per endpoint and
 * scope until shortly before they expire. Secrets never appear in messages.
 */
import { SigilError } from '@sigil/core';
import type { CredentialSource, RegistryCredentials } from './docker-config.js';
import type { RegistryResponse } from './response.js';

export interface Challenge {
  /** Lower-cased scheme: `basic`, `bearer`, … */
  readonly scheme: string;
  /** Lower-cased parameter names; the first occurrence of a name wins. */
  readonly params: Readonly<Record<string, string>>;
}

const HEADER_MAX = 8 * 1024;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Parse a `WWW-Authenticate` value, which may hold several challenges. token68 forms are skipped. */
export function parseChallenges(header: string): Challenge[] {
  const s = header.slice(0, HEADER_MAX);
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const quoted = (): string => {
    let v = '';
    for (i++; i < s.length && s[i] !== '"'; i++) v += s[i] === '\\' && i + 1 < s.length ? s[++i] : s[i];
    i++;
    return v;
  };
  while (i < s.length) {
    skipSpace();
    if (s[i] === ',') {
      i++;
      continue;
    }
    const name = token();
    if (name === '') {
      i++;
      continue;
    }
    skipSpace();
    const current = out.at(-1);
    if (s[i] === '=' && current) {
      i++;
      skipSpace();
      const value = s[i] === '"' ? quoted() : token();
      const key = name.toLowerCase();
      if (!Object.hasOwn(current.params, key)) current.params[key] = value;
    } else {
      out.push({ scheme: name.toLowerCase(), params: {} });
    }
  }
  return out;
}

/** `repository:a/b:pull,push` → `repository:a/b:pull`, `repository:a/b:push`. */
function scopeAtoms(scopes: readonly string[]): string[] {
  const atoms: string[] = [];
  for (const scope of scopes) {
    const last = scope.lastIndexOf(':');
    if (last <= 0) {
      atoms.push(scope);
      continue;
    }
    for (const action of scope.slice(last + 1).split(',')) if (action) atoms.push(`${scope.slice(0, last)}:${action}`);
  }
  return atoms;
}

interface CachedToken {
  readonly atoms: ReadonlySet<string>;
  readonly header: string;
  readonly expiresAt: number;
}
type EndpointAuth = { readonly scheme: 'basic'; readonly header: string } | { readonly scheme: 'bearer'; readonly tokens: CachedToken[] };

export interface AuthenticatorOptions {
  readonly credentials: CredentialSource;
  /** Unauthenticated request used for token endpoints (already bound by the transport policy). */
  readonly fetchToken: (url: URL, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Uint8Array }) => Promise<RegistryResponse>;
  /** Throws when `url` may not be used (plain HTTP to a remote host). */
  readonly checkUrl: (url: URL) => void;
  readonly now?: () => number;
}

const TOKEN_RESPONSE_MAX = 256 * 1024;
const TOKEN_MAX = 64 * 1024;
const DEFAULT_TOKEN_SECONDS = 60; // distribution token spec: expires_in defaults to 60
const EXPIRY_MARGIN_MS = 10_000;
const TOKENS_PER_ENDPOINT = 64;

export class Authenticator {
  readonly #endpoints = new Map<string, EndpointAuth>();
  readonly #credentials = new Map<string, Promise<RegistryCredentials | undefined>>();
  readonly #now: () => number;
  constructor(private readonly options: AuthenticatorOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** The `Authorization` value already known to cover `scopes` at `endpoint`, if any. */
  headerFor(endpoint: string, scopes: readonly string[]): string | undefined {
    const state = this.#endpoints.get(endpoint);
    if (!state) return undefined;
    if (state.scheme === 'basic') return state.header;
    const wanted = scopeAtoms(scopes);
    const now = this.#now();
    return state.tokens.find((t) => t.expiresAt > now && wanted.every((a) => t.atoms.has(a)))?.header;
  }

  /** Whether credentials were found for `registry` (to word an error). */
  async hasCredentials(registry: string): Promise<boolean> {
    return (await this.#credentialsFor(registry)) !== undefined;
  }

  /** Answer a 401 from `endpoint`: after this, `headerFor(endpoint, scopes)` has a value or this threw. */
  async authenticate(registry: string, endpoint: string, wwwAuthenticate: string | null, scopes: readonly string[]): Promise<void> {
    const challenges = parseChallenges(wwwAuthenticate ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (!bearer && !basic) {
      throw new SigilError('ERR_OCI_AUTH', `${registry} asked for authentication without a Basic or Bearer challenge`);
    }
    const creds = await this.#credentialsFor(registry);
    if (!bearer) {
      if (!creds || !('username' in creds)) throw needCredentials(registry, creds !== undefined);
      const header = `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
      this.#endpoints.set(endpoint, { scheme: 'basic', header });
      return;
    }
    const wanted = [...new Set([...scopes, ...(bearer.params.scope ?? '').split(' ').filter(Boolean)])];
    const token = await this.#bearerToken(registry, bearer, wanted, creds);
    const previous = this.#endpoints.get(endpoint);
    const tokens = previous?.scheme === 'bearer' ? previous.tokens.filter((t) => t.expiresAt > this.#now()) : [];
    tokens.unshift({ atoms: new Set(scopeAtoms(wanted)), header: `Bearer ${token.value}`, expiresAt: token.expiresAt });
    this.#endpoints.set(endpoint, { scheme: 'bearer', tokens: tokens.slice(0, TOKENS_PER_ENDPOINT) });
  }

  #credentialsFor(registry: string): Promise<RegistryCredentials | undefined> {
    let found = this.#credentials.get(registry);
    if (!found) {
      found = this.options.credentials(registry);
      this.#credentials.set(registry, found);
    }
    return found;
  }

  async #bearerToken(
    registry: string,
    challenge: Challenge,
    scopes: string[],
    creds: RegistryCredentials | undefined,
  ): Promise<{ value: string; expiresAt: number }> {
    if (creds && 'registryToken' in creds) return { value: checkToken(creds.registryToken, registry), expiresAt: Number.MAX_SAFE_INTEGER };
    const realmText = challenge.params.realm;
    let realm: URL;
    try {
      realm = new URL(realmText ?? '');
    } catch {
      throw new SigilError('ERR_OCI_AUTH', `${registry} sent a Bearer challenge without a valid realm URL`);
    }
    this.options.checkUrl(realm);
    const service = challenge.params.service;
    let res: RegistryResponse;
    if (creds && 'identityToken' in creds) {
      // OAuth2 refresh-token grant (distribution docs: oauth.md), what docker does with an identity token.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'sigil' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.options.fetchToken(realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new TextEncoder().encode(form.toString()),
      });
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (creds) {
        url.searchParams.set('account', creds.username);
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
      }
      res = await this.options.fetchToken(url, { method: 'GET', headers });
    }
    if (res.status === 401 || res.status === 403) {
      await res.discard();
      throw needCredentials(registry, creds !== undefined, 'the token service refused');
    }
    if (res.status !== 200) throw await res.failure(`token request to ${realm.host} for ${registry}`);
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse((await res.bytes(TOKEN_RESPONSE_MAX, 'token response')).toString('utf8')) as typeof doc;
    } catch (err) {
      if (err instanceof SigilError) throw err;
      throw new SigilError('ERR_OCI_AUTH', `token service for ${registry} answered with something other than JSON`);
    }
    const value = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
    if (typeof value !== 'string' || value === '') throw new SigilError('ERR_OCI_AUTH', `token service for ${registry} returned no token`);
    const seconds = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : DEFAULT_TOKEN_SECONDS;
    return { value: checkToken(value, registry), expiresAt: this.#now() + seconds * 1000 - EXPIRY_MARGIN_MS };
  }
}

// A token is placed in a header verbatim; anything beyond visible ASCII could split it.
function checkToken(token: string, registry: string): string {
  if (token.length > TOKEN_MAX || !/^[\x21-\x7e]+$/.test(token)) {
    throw new SigilError('ERR_OCI_AUTH', `token for ${registry} is malformed or too long`);
  }
  return token;
}

function needCredentials(registry: string, had: boolean, why = `${registry} requires authentication`): SigilError {
  return had
    ? new SigilError('ERR_OCI_AUTH', `${why}: the credentials for ${registry} were not accepted`, {
        hint: `check the entry for ${registry} in the docker config (docker login ${registry})`,
      })
    : new SigilError('ERR_OCI_AUTH', `${why}: no credentials for ${registry}`, {
        hint: `log in with "docker login ${registry}" or set DOCKER_CONFIG to a config.json that has them`,
      });
}
