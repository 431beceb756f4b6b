// A standalone server for `sigil oidc serve`: both development issuers on one port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CiJobDescription } from './github-claims.js';
import { sendJson } from './http.js';
import { DEV_BANNER } from './login/pages.js';
import { createOidcDev, type OidcDev } from './oidc-dev.js';

export interface ServeOidcOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `http://<host>:<port>`; set it when clients reach the server by another name. */
  baseUrl?: string;
  dataDir?: string;
  jobs?: CiJobDescription[];
}

export interface OidcServer {
  url: string;
  dev: OidcDev;
  close(): Promise<void>;
}

/** How a client reaches `host`: wildcard addresses become loopback, IPv6 gets brackets. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

export async function serveOidc(opts: ServeOidcOptions): Promise<OidcServer> {
  const host = opts.host ?? '127.0.0.1';
  let dev: OidcDev | undefined;
  const server = createServer((req, res) => {
    if (!dev) {
      sendJson(res, 503, { error: 'starting', message: 'oidc-dev is starting' }, { 'retry-after': '1' });
    } else if (dev.handles(req.url ?? '/')) {
      dev.handle(req, res);
    } else if ((req.url ?? '/').split('?')[0] === '/') {
      sendJson(res, 200, { loginIssuer: dev.loginIssuer, ciIssuer: dev.ciIssuer, note: DEV_BANNER });
    } else {
      sendJson(res, 404, { error: 'not_found', message: 'oidc-dev serves /oidc and /ci' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = (opts.baseUrl ?? `http://${reachableHost(host)}:${port}`).replace(/\/+$/, '');
  try {
    dev = await createOidcDev({ baseUrl: url, dataDir: opts.dataDir, jobs: opts.jobs });
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  const started = dev;
  return {
    url,
    dev: started,
    async close() {
      await closeServer(server);
      await started.close();
    },
  };
}
