import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { createRequire } from 'node:module';

/**
 * One HTTP exchange over node:http(s), for the signing, identity and TUF paths. Not `fetch`:
 * Node 20 loads undici on the first call (60–90 ms of a one-shot `sigil sign-blob`) and
 * spends ~5 ms per request more than node:http; idle keep-alive sockets of node's agent
 * are unref'd, so a finished command exits at once. Every exchange has a deadline and a
 * body cap; failures are an ExchangeError with a short, token-free reason.
 */
export interface Exchange {
  url: URL;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Deadline of the whole exchange, body included. */
  timeoutMs: number;
  /** A shorter deadline for the status line and headers only (probing a server that may not exist). */
  headersTimeoutMs?: number;
  maxBytes: number;
  signal?: AbortSignal;
  /**
   * Follow up to MAX_REDIRECTS redirects, as fetch does: credentials are dropped on a hop to
   * another origin, and a 301/302/303 turns into a body-less GET. Without it a 3xx is
   * returned like any other answer.
   */
  followRedirects?: boolean;
  /** Answers outside 2xx come back with an empty body, unread (default: read within maxBytes). */
  skipErrorBodies?: boolean;
}

export const MAX_REDIRECTS = 5;
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface ExchangeResult {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}

export type ExchangeFailure =
  | { kind: 'network'; code: string } // ECONNREFUSED, ECONNRESET, ENOTFOUND, …
  | { kind: 'timeout'; ms: number }
  | { kind: 'too-large'; maxBytes: number }
  | { kind: 'redirects'; max: number }
  | { kind: 'aborted' };

export class ExchangeError extends Error {
  /** For 'too-large': the Content-Length the server declared, when that is what gave it away. */
  declaredLength?: number;

  constructor(readonly failure: ExchangeFailure, options?: { cause?: unknown }) {
    super(describe(failure), options);
    this.name = 'ExchangeError';
  }

  /** Worth retrying against an idempotent service: the connection failed, not the server's answer. */
  get transient(): boolean {
    const f = this.failure;
    return f.kind === 'network' && (f.code === 'ECONNREFUSED' || f.code === 'ECONNRESET' || f.code === 'EPIPE');
  }
}

function describe(f: ExchangeFailure): string {
  switch (f.kind) {
    case 'network':
      return f.code;
    case 'timeout':
      return `no answer within ${f.ms} ms`;
    case 'too-large':
      return `larger than ${f.maxBytes} bytes`;
    case 'redirects':
      return `more than ${f.max} redirects`;
    case 'aborted':
      return 'cancelled';
  }
}

const require = createRequire(import.meta.url);
const USER_AGENT = `sigil (node ${process.version})`;
type Requester = (url: URL, opts: RequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest;
// https (and with it tls) loads only when an https URL is first used.
const requesterFor = (url: URL): Requester => {
  if (url.protocol === 'http:') return (require('node:http') as typeof import('node:http')).request;
  if (url.protocol === 'https:') return (require('node:https') as typeof import('node:https')).request;
  throw new ExchangeError({ kind: 'network', code: `unsupported URL scheme ${url.protocol}` });
};

function headersOf(h: IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const v = h[name.toLowerCase()];
      if (v === undefined) return null;
      return Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

export async function exchange(x: Exchange): Promise<ExchangeResult> {
  if (!x.followRedirects) return exchangeOnce(x);
  const deadline = Date.now() + x.timeoutMs;
  const headers = { ...x.headers };
  let hop: Exchange = { ...x, headers };
  for (let n = 0; ; n++) {
    const res = await exchangeOnce(hop);
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (location === null) return res;
    if (n >= MAX_REDIRECTS) throw new ExchangeError({ kind: 'redirects', max: MAX_REDIRECTS });
    const next = new URL(location, hop.url);
    if (next.origin !== hop.url.origin) {
      for (const name of Object.keys(headers)) if (CREDENTIAL_HEADERS.has(name.toLowerCase())) delete headers[name];
    }
    hop = { ...hop, url: next, timeoutMs: Math.max(1, deadline - Date.now()) };
    if (res.status !== 307 && res.status !== 308) {
      hop = { ...hop, method: 'GET', body: undefined };
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
    }
  }
}

function exchangeOnce(x: Exchange): Promise<ExchangeResult> {
  return new Promise((resolve, reject) => {
    const request = requesterFor(x.url);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    if (x.signal?.aborted) return reject(new ExchangeError({ kind: 'aborted' }, { cause: x.signal.reason }));
    const fail = (failure: ExchangeFailure, cause?: unknown, declaredLength?: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      x.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      const err = new ExchangeError(failure, { cause });
      if (declaredLength !== undefined) err.declaredLength = declaredLength;
      reject(err);
    };
    const onAbort = (): void => fail({ kind: 'aborted' }, x.signal?.reason);
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => fail({ kind: 'timeout', ms }), ms);
    };
    const body = x.body === undefined ? undefined : Buffer.from(x.body, 'utf8');
    // Some services refuse requests without a User-Agent (fetch sends one; node:http does not).
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...x.headers };
    if (body) headers['content-length'] = String(body.length);
    const req = request(x.url, { method: x.method ?? (body ? 'POST' : 'GET'), headers }, (res) => {
      if (x.headersTimeoutMs !== undefined) arm(x.timeoutMs);
      const status = res.statusCode ?? 0;
      if (x.skipErrorBodies && (status < 200 || status >= 300)) {
        settled = true;
        clearTimeout(timer);
        x.signal?.removeEventListener('abort', onAbort);
        res.destroy();
        return resolve({ status, headers: headersOf(res.headers), body: Buffer.alloc(0) });
      }
      const declared = Number(res.headers['content-length'] ?? Number.NaN);
      if (declared > x.maxBytes) return fail({ kind: 'too-large', maxBytes: x.maxBytes }, undefined, declared);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > x.maxBytes) fail({ kind: 'too-large', maxBytes: x.maxBytes });
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        x.signal?.removeEventListener('abort', onAbort);
        resolve({ status, headers: headersOf(res.headers), body: Buffer.concat(chunks, size) });
      });
      res.on('error', (err: NodeJS.ErrnoException) => fail({ kind: 'network', code: err.code ?? err.message }, err));
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail({ kind: 'network', code: err.code ?? err.message }, err));
    // Armed only once `req` exists: both call fail(), which destroys it.
    x.signal?.addEventListener('abort', onAbort, { once: true });
    arm(x.headersTimeoutMs ?? x.timeoutMs);
    req.end(body);
  });
}
