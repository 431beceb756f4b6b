import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { createRequire } from 'node:module';

/**
 * One HTTP exchange over node:http(s), for the signing and identity paths. Not `fetch`:
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
}

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
  | { kind: 'aborted' };

export class ExchangeError extends Error {
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

export function exchange(x: Exchange): Promise<ExchangeResult> {
  return new Promise((resolve, reject) => {
    const request = requesterFor(x.url);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    if (x.signal?.aborted) return reject(new ExchangeError({ kind: 'aborted' }, { cause: x.signal.reason }));
    const fail = (failure: ExchangeFailure, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      x.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(new ExchangeError(failure, { cause }));
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
      const declared = Number(res.headers['content-length'] ?? Number.NaN);
      if (declared > x.maxBytes) return fail({ kind: 'too-large', maxBytes: x.maxBytes });
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
        resolve({ status: res.statusCode ?? 0, headers: headersOf(res.headers), body: Buffer.concat(chunks, size) });
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
