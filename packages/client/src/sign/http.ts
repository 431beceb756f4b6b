import { SigilError } from '@sigil/core';
import { exchange, ExchangeError, type ExchangeResult, type ResponseHeaders } from '../http-exchange.js';

/**
 * JSON over HTTP to a Sigstore service (CA, log). Every response is size-capped and every
 * request has a deadline; a refused or reset connection and a 5xx are retried twice,
 * since both services answer idempotently (a log dedupes a resubmitted entry with 409).
 */
export interface JsonResponse {
  status: number;
  body: unknown;
  headers: ResponseHeaders;
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
  const max = opts.maxBytes ?? MAX_RESPONSE;
  const origin = new URL(url).origin;
  for (let attempt = 0; ; attempt++) {
    let res: ExchangeResult;
    try {
      res = await exchange({
        url: new URL(url),
        method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
        headers: { accept: 'application/json', ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        timeoutMs: opts.timeoutMs ?? 30_000,
        maxBytes: max,
      });
    } catch (cause) {
      if (!(cause instanceof ExchangeError)) throw cause;
      if (attempt < retries && cause.transient) {
        await delay(attempt);
        continue;
      }
      if (cause.failure.kind === 'too-large') throw new SigilError('ERR_REMOTE', `${what}: response exceeds ${max} bytes`);
      throw new SigilError('ERR_REMOTE', `${what}: cannot reach ${origin} (${cause.failure.kind === 'timeout' ? 'timed out' : cause.message})`, { cause });
    }
    const text = res.body.toString('utf8');
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
    const ok = res.status >= 200 && res.status < 300;
    if (ok || opts.accept?.includes(res.status)) {
      if (ok && body === undefined) throw new SigilError('ERR_REMOTE', `${what}: ${origin} answered ${res.status} without a JSON body`);
      return { status: res.status, body, headers: res.headers };
    }
    const message = typeof (body as { message?: unknown } | undefined)?.message === 'string' ? (body as { message: string }).message : text.slice(0, 200);
    throw new SigilError(res.status >= 500 ? 'ERR_REMOTE' : 'ERR_SIGN', `${what}: ${origin} answered ${res.status}${message ? `: ${message.trim()}` : ''}`);
  }
}

const delay = (attempt: number): Promise<void> => new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
