// The two development issuers behind one request handler, for mounting in a host server:
//   <base>/oidc  login issuer (oidc-provider): people, email identities
//   <base>/ci    CI issuer (GitHub-Actions-like): workflows, github-workflow identities
// Two issuers because a Fulcio-style CA maps one issuer URL to one identity type.
//
// Mounting: the host routes every request for which handles(url) is true to handle().
// oidc-provider's router knows only issuer-relative paths (`/auth`, `/token`, …), so
// handle() strips the issuer path from req.url and keeps the full one in req.originalUrl,
// the Express convention oidc-provider reads to put the mount path back into every URL
// it generates (discovery, redirects, form actions). The request body must be unread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CiIssuer, createCiIssuer, type CiEnv } from './ci-token.js';
import type { CiJobDescription } from './github-claims.js';
import { sendJson } from './http.js';
import { loadOrCreateIssuerKeys } from './keys.js';
import { handleInteraction, isInteractionPath } from './login/interaction.js';
import { createLoginProvider } from './provider.js';

export interface OidcDevOptions {
  /** Where the host server is reached, e.g. `http://127.0.0.1:8080` (a path prefix is allowed). */
  baseUrl: string;
  /** Keeps the signing keys in `<dataDir>/oidc-keys.json`; ephemeral keys without it. */
  dataDir?: string;
  /** CI jobs besides `default` (a job with id `default` replaces it). */
  jobs?: CiJobDescription[];
  /** Epoch milliseconds for CI tokens' iat/nbf/exp (the login issuer uses the real clock). */
  clock?: () => number;
}

export interface OidcDev {
  /** `<base>/oidc`: use as an `email`-type issuer, client id `sigstore`. */
  loginIssuer: string;
  /** `<base>/ci`: use as a `github-workflow`-type issuer. */
  ciIssuer: string;
  /** True when the path of `url` (path or absolute URL) is under `<base>/oidc` or `<base>/ci`. */
  handles(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** A job's GitHub Actions environment variables (job `default` when omitted). */
  ciEnv(jobId?: string): CiEnv;
  /** Registers a job, or replaces the one with the same id; returns its id and a new secret. */
  addJob(job: CiJobDescription): { id: string; token: string };
  /** Signs a CI token directly, without the HTTP round trip. */
  mintCiToken(jobId: string, audience: string): Promise<string>;
  close(): Promise<void>;
}

function parseBaseUrl(baseUrl: string): URL {
  const base = URL.parse(baseUrl);
  if (!base || (base.protocol !== 'http:' && base.protocol !== 'https:') || base.search || base.hash || base.username || base.password) {
    throw new TypeError(`oidc-dev: baseUrl must be a plain http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  return base;
}

/** The normalised path and query of a request target (a path or an absolute URL). */
function splitTarget(target: string): { path: string; search: string } {
  const url = URL.parse(target, 'http://oidc-dev.invalid') ?? new URL('http://oidc-dev.invalid/');
  return { path: url.pathname, search: url.search };
}

const isUnder = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

export async function createOidcDev(opts: OidcDevOptions): Promise<OidcDev> {
  const base = parseBaseUrl(opts.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const loginPath = `${basePath}/oidc`;
  const ciPath = `${basePath}/ci`;
  const loginIssuer = `${base.origin}${loginPath}`;
  const ciIssuer = `${base.origin}${ciPath}`;

  const keys = await loadOrCreateIssuerKeys(opts.dataDir);
  const login = await createLoginProvider(loginIssuer, keys.login);
  const ci: CiIssuer = createCiIssuer(ciIssuer, keys.ci, opts.clock ?? Date.now, opts.jobs);
  const koa = login.provider.callback();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, search } = splitTarget(req.url ?? '/');
    if (isUnder(path, ciPath)) {
      await ci.handle(req, res, path.slice(ciPath.length) || '/', new URLSearchParams(search));
    } else if (isUnder(path, loginPath)) {
      const rest = path.slice(loginPath.length) || '/';
      if (isInteractionPath(rest)) {
        await handleInteraction(login.provider, loginPath, req, res, rest);
        return;
      }
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${path}${search}`;
      req.url = `${rest}${search}`;
      await koa(req, res);
    } else {
      sendJson(res, 404, { error: 'not_found', message: 'not an oidc-dev path' });
    }
  }

  return {
    loginIssuer,
    ciIssuer,
    handles(url: string): boolean {
      const { path } = splitTarget(url);
      return isUnder(path, loginPath) || isUnder(path, ciPath);
    },
    handle(req: IncomingMessage, res: ServerResponse): void {
      serve(req, res).catch((err: unknown) => {
        console.error(`oidc-dev: request failed: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error', message: 'internal error in oidc-dev' });
        else res.destroy();
      });
    },
    ciEnv: (jobId?: string) => ci.ciEnv(jobId),
    addJob: (job: CiJobDescription) => ci.addJob(job),
    mintCiToken: (jobId: string, audience: string) => ci.mintToken(jobId, audience),
    close(): Promise<void> {
      login.close();
      return Promise.resolve();
    },
  };
}
