/**
 * How every registry request goes out: HTTPS unless the host is loopback or the caller
 * allowed plain HTTP, an inactivity timeout, redirects followed by hand (so credentials
 * never follow a redirect to another origin), one authenticated retry after a 401, and up
 * to two retries of a read (GET, HEAD) that met a transient server error.
 */
import { SigilError } from '@sigil/core';
import { Authenticator } from './auth.js';
import { dockerConfigCredentials, type CredentialSource } from './docker-config.js';
import { isLoopbackHost, registryEndpoint } from './reference.js';
import { Deadline, RegistryResponse, describe, showUrl } from './response.js';

export interface TransportOptions {
  /** Allow plain HTTP to any host (cosign's --allow-insecure-registry). Loopback hosts never need it. */
  readonly allowInsecure?: boolean;
  /** Where credentials come from; default: the docker config (credential helpers included). */
  readonly credentials?: CredentialSource;
  /** Inactivity limit per request: until the headers, then between body chunks (default 30 s). */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RegistryRequest {
  /** Registry name (for credentials and its endpoint); requests to other hosts carry no credentials. */
  readonly registry: string;
  readonly method: Method;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Buffered, so the request can be replayed after authenticating. */
  readonly body?: Uint8Array;
  /** Token scopes the request needs (`repository:<name>:pull`). */
  readonly scopes: readonly string[];
}

const MAX_REDIRECTS = 5;
/**
 * Statuses a registry gives while it is overloaded or mid-update (distribution's filesystem
 * driver answers a HEAD with 500 while another client is linking the same blob). Reads are
 * retried after these waits; writes never are (an upload session is not idempotent).
 */
const TRANSIENT = new Set([429, 500, 502, 503, 504]);
const READ_RETRY_WAITS_MS = [100, 400];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Throws unless `url` is HTTPS, or plain HTTP to loopback (or anywhere, when allowed). */
export function checkTransportUrl(url: URL, allowInsecure: boolean): void {
  if (url.username || url.password) throw new SigilError('ERR_OCI', `refusing a URL with embedded credentials (${url.host})`);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && (allowInsecure || isLoopbackHost(url.host))) return;
  throw new SigilError('ERR_OCI', `refusing ${url.protocol.replace(/:$/, '')} to ${url.host}: registries are reached over HTTPS`, {
    hint: 'plain HTTP is used only for loopback hosts unless insecure registries are explicitly allowed',
  });
}

export class Transport {
  readonly allowInsecure: boolean;
  readonly timeoutMs: number;
  readonly #userAgent: string;
  readonly #auth: Authenticator;

  constructor(options: TransportOptions = {}) {
    this.allowInsecure = options.allowInsecure ?? false;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'sigil';
    this.#auth = new Authenticator({
      credentials: options.credentials ?? dockerConfigCredentials(),
      checkUrl: (url) => checkTransportUrl(url, this.allowInsecure),
      fetchToken: (url, init) => this.#once(url, init.method, { 'user-agent': this.#userAgent, ...init.headers }, init.body),
    });
  }

  /** `scheme://endpoint` for a registry: HTTP only for loopback or when allowed. */
  baseUrl(registry: string): URL {
    const endpoint = registryEndpoint(registry);
    const plain = this.allowInsecure || isLoopbackHost(endpoint);
    return new URL(`${plain ? 'http' : 'https'}://${endpoint}`);
  }

  checkUrl(url: URL): void {
    checkTransportUrl(url, this.allowInsecure);
  }

  /**
   * Send a request. 401 from the registry's own endpoint is answered once (authenticate,
   * replay); a second 401 or a 403 is ERR_OCI_AUTH. Any other status is the caller's to judge.
   */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const endpoint = this.baseUrl(req.registry);
    let url = req.url;
    let authenticated = false;
    let retries = 0;
    // Only reads are replayed (after a redirect or a transient error).
    const read = req.method === 'GET' || req.method === 'HEAD';
    for (let hops = 0; ; ) {
      this.checkUrl(url);
      const ours = url.origin === endpoint.origin;
      const headers: Record<string, string> = {
        'user-agent': this.#userAgent,
        // Identity: a digest covers the bytes as stored, and Content-Length must mean them.
        'accept-encoding': 'identity',
        ...req.headers,
      };
      const authorization = ours ? this.#auth.headerFor(endpoint.host, req.scopes) : undefined;
      if (authorization) headers.authorization = authorization;
      const res = await this.#once(url, req.method, headers, req.body);

      if (res.status === 401 && ours && !authenticated) {
        authenticated = true;
        const challenge = res.headers.get('www-authenticate');
        await res.discard();
        await this.#auth.authenticate(req.registry, endpoint.host, challenge, req.scopes);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        const err = await res.failure(`${req.method} ${showUrl(url)}`);
        const had = ours && (await this.#auth.hasCredentials(req.registry));
        const why =
          res.status === 403
            ? 'access denied'
            : !ours
              ? `${url.host} asked for credentials, which are never sent to a host other than the registry`
              : had
                ? 'the credentials were not accepted'
                : 'authentication required and no credentials found';
        throw new SigilError('ERR_OCI_AUTH', `${req.registry}: ${why} (${err.message})`, {
          details: err.details,
          hint: had || res.status === 403 ? `check the account's access to ${req.registry}` : `run "docker login ${req.registry}" or set DOCKER_CONFIG`,
        });
      }
      const wait = READ_RETRY_WAITS_MS[retries];
      if (read && TRANSIENT.has(res.status) && wait !== undefined) {
        await res.discard();
        retries++;
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      const location = res.headers.get('location');
      if (read && REDIRECTS.has(res.status) && location !== null) {
        await res.discard();
        if (++hops > MAX_REDIRECTS) throw new SigilError('ERR_OCI', `${req.method} ${showUrl(req.url)}: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        continue;
      }
      return res;
    }
  }

  async #once(url: URL, method: string, headers: Record<string, string>, body?: Uint8Array): Promise<RegistryResponse> {
    this.checkUrl(url);
    const deadline = new Deadline(this.timeoutMs);
    try {
      const response = await fetch(url, { method, headers, body, redirect: 'manual', signal: deadline.signal });
      return new RegistryResponse(method, url, response, deadline);
    } catch (err) {
      deadline.clear();
      const why = deadline.expired ? `no answer within ${this.timeoutMs} ms` : describe(err);
      throw new SigilError('ERR_OCI', `${method} ${showUrl(url)}: ${why}`, { cause: err });
    }
  }
}
