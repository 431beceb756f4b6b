import { SigilError } from '@sigil/core';
import { readCapped } from '../http-body.js';

/**
 * JSON over HTTP to a Sigstore service (CA, log). Every response is size-capped and every
 * request has a deadline; a refused or reset connection and a 5xx are retried twice,
 * since both services answer idempotently (a log dedupes a resubmitted entry with 409).
 */
export interface JsonResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxBytes?: number;
  /** Statuses answered to the caller instead of raised (e.g. 409). */
  accept?: number[];
  retries?: number;
}

const MAX_RESPONSE = 4 * 1024 * 1024;

export async function requestJson(url: string, what: string, opts: RequestOptions = {}): Promise<JsonResponse> {
  const retries = opts.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
        headers: { accept: 'application/json', ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
        redirect: 'error',
      });
    } catch (cause) {
      if (attempt < retries && isTransient(cause)) {
        await delay(attempt);
        continue;
      }
      throw new SigilError('ERR_REMOTE', `${what}: cannot reach ${new URL(url).origin} (${reason(cause)})`, { cause });
    }
    const max = opts.maxBytes ?? MAX_RESPONSE;
    const bytes = await readCapped(res, max);
    if (!bytes) throw new SigilError('ERR_REMOTE', `${what}: response exceeds ${max} bytes`);
    const text = bytes.toString('utf8');
    if (res.status >= 500 && attempt < retries) {
      await delay(attempt);
      continue;
    }
    let body: unknown;
    try {
      body = text.length === 0 ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.ok || opts.accept?.includes(res.status)) {
      if (res.ok && body === undefined) throw new SigilError('ERR_REMOTE', `${what}: ${new URL(url).origin} answered ${res.status} without a JSON body`);
      return { status: res.status, body, headers: res.headers };
    }
    const message = typeof (body as { message?: unknown } | undefined)?.message === 'string' ? (body as { message: string }).message : text.slice(0, 200);
    throw new SigilError(res.status >= 500 ? 'ERR_REMOTE' : 'ERR_SIGN', `${what}: ${new URL(url).origin} answered ${res.status}${message ? `: ${message.trim()}` : ''}`);
  }
}

function isTransient(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if ((err as { name?: string }).name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

const delay = (attempt: number): Promise<void> => new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
