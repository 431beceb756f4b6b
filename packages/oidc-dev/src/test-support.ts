// Shared by this package's tests only (not exported from index.ts): a host server that
// mounts oidc-dev the way the one-port stack does, a loopback redirect listener, PKCE
// values, output capture, and a Chromium launcher.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { createOidcDev, type OidcDev, type OidcDevOptions } from './oidc-dev.js';

export interface Host {
  origin: string;
  dev: OidcDev;
  /** Requests that reached the host's own (non-oidc-dev) route. */
  otherRequests: string[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A node:http host whose other paths answer 418, with oidc-dev mounted at `<origin><basePath>`. */
export async function startHost(opts: Omit<OidcDevOptions, 'baseUrl'> & { basePath?: string } = {}): Promise<Host> {
  const mounted: { dev?: OidcDev } = {};
  const otherRequests: string[] = [];
  const server = createServer((req, res) => {
    if (mounted.dev?.handles(req.url ?? '/')) {
      mounted.dev.handle(req, res);
      return;
    }
    otherRequests.push(req.url ?? '/');
    res.writeHead(418, { 'content-type': 'text/plain' }).end('host route');
  });
  const port = await listen(server);
  const origin = `http://127.0.0.1:${port}`;
  const { basePath = '', ...rest } = opts;
  const started = await createOidcDev({ ...rest, baseUrl: `${origin}${basePath}` });
  mounted.dev = started;
  return {
    origin,
    dev: started,
    otherRequests,
    async close() {
      await close(server);
      await started.close();
    },
  };
}

export interface RedirectListener {
  /** e.g. `http://127.0.0.1:<port>/auth/callback` */
  redirectUri: string;
  /** Resolves with the first callback request's full URL. */
  callback: Promise<URL>;
  close(): Promise<void>;
}

/** A native app's loopback redirect receiver, on a port of its own choosing. */
export async function startRedirectListener(host = '127.0.0.1', path = '/auth/callback'): Promise<RedirectListener> {
  let resolveCallback!: (url: URL) => void;
  const callback = new Promise<URL>((resolve) => {
    resolveCallback = resolve;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === path) resolveCallback(url);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>done</title><p id="done">Signed in; return to the terminal.</p>');
  });
  const port = await listen(server);
  return { redirectUri: `http://${host}:${port}${path}`, callback, close: () => close(server) };
}

export function createPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export const JWT_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/;

export interface Capture {
  text(): string;
  restore(): void;
}

/**
 * Records everything written to stdout/stderr and through console.* while still passing it
 * on (the test runner reports over the same streams).
 */
export function captureOutput(): Capture {
  const chunks: string[] = [];
  const record = (chunk: unknown): void => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
  };
  // Wrap, and later restore exactly what was there (an own property or the prototype's).
  const targets = [
    [process.stdout, 'write'], [process.stderr, 'write'],
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => [console, m] as const),
  ] as const;
  const saved = targets.map(([object, key]) => Object.getOwnPropertyDescriptor(object, key));
  for (const [object, key] of targets) {
    if (object === console) {
      const original = console[key as 'log'].bind(console);
      console[key as 'log'] = (...args: unknown[]) => {
        record(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a) ?? String(a))).join(' '));
        original(...args);
      };
    } else {
      const stream = object as NodeJS.WriteStream;
      const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
      stream.write = (chunk: unknown, ...rest: unknown[]) => {
        record(chunk);
        return original(chunk, ...rest);
      };
    }
  }
  return {
    text: () => chunks.join(''),
    restore() {
      targets.forEach(([object, key], i) => {
        const descriptor = saved[i];
        if (descriptor) Object.defineProperty(object, key, descriptor);
        else Reflect.deleteProperty(object, key);
      });
    },
  };
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Launches Debian's Chromium, or returns a reason to skip: a missing browser skips
 * locally and fails under CI=true, where `npm test`'s setup installs it.
 */
export async function launchChromium(): Promise<{ browser: Browser } | { skip: string }> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI) throw new Error(`${CHROMIUM_PATH} is missing; the browser tests must run under CI (apt-get install chromium)`);
    return { skip: `${CHROMIUM_PATH} not installed (apt-get install -y --no-install-recommends chromium); skipping browser flows` };
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return { browser };
}
