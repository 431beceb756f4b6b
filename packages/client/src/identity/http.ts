// The one way the identity providers talk HTTP: every request has a deadline, every
// response body a size cap, and failures become ERR_IDENTITY naming the source. Messages
// carry the URL without its query and never a request or response body, since either may
// hold a token or a code.
import { exchange, ExchangeError, type ResponseHeaders } from '../http-exchange.js';
import { identityError, sanitize } from './identity-error.js';

/** An identity token response (JSON or bare JWT) is small; anything bigger is refused. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** Default deadline of one request, headers and body together. */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

export interface HttpRequest {
  url: URL;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Deadline for the whole exchange, body included. */
  timeoutMs: number;
  /** A shorter deadline for the response headers only (a probe of a server that may not exist). */
  headersTimeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
  /** Token endpoints are not expected to redirect; only discovery follows redirects. */
  followRedirects?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}

/** `scheme://host/path` of a URL, for messages: queries may carry state or job ids. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * One HTTP exchange. Network failures, timeouts and oversized bodies throw ERR_IDENTITY
 * prefixed with `source` (no answer at all: `details.network`); any HTTP status is returned
 * for the caller to judge.
 */
export async function request(source: string, req: HttpRequest): Promise<HttpResponse> {
  const maxBytes = req.maxBytes ?? MAX_TOKEN_RESPONSE_BYTES;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  }
  const where = describeUrl(req.url);
  let res: HttpResponse;
  try {
    res = await exchange({
      url: req.url, method: req.method ?? 'GET', headers, body, maxBytes, signal: req.signal,
      timeoutMs: req.timeoutMs, headersTimeoutMs: req.headersTimeoutMs, followRedirects: req.followRedirects,
    });
  } catch (err) {
    if (!(err instanceof ExchangeError)) throw err;
    const f = err.failure;
    if (f.kind === 'aborted') throw identityError(source, 'cancelled', { cause: req.signal?.reason });
    if (f.kind === 'too-large') throw identityError(source, `the answer of ${where} is larger than ${maxBytes} bytes; refusing it`);
    throw identityError(source, `request to ${where} failed: ${sanitize(err.message)}`, { cause: err, details: { network: f.kind === 'network' || f.kind === 'timeout' } });
  }
  // Token endpoints are not expected to redirect; only discovery follows redirects.
  if (res.status >= 300 && res.status < 400 && res.headers.get('location') !== null) {
    throw identityError(source, `request to ${where} failed: unexpected redirect (HTTP ${res.status})`);
  }
  return res;
}

/** The body as a JSON object, or ERR_IDENTITY. */
export function jsonObject(source: string, res: HttpResponse, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw identityError(source, `${what} is not JSON (HTTP ${res.status})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw identityError(source, `${what} is not a JSON object (HTTP ${res.status})`);
  }
  return value as Record<string, unknown>;
}

/** The `error` / `error_description` of an OAuth error answer, when it has them. */
export function oauthError(res: HttpResponse): { error?: string; description?: string } {
  try {
    const value: unknown = JSON.parse(res.body.toString('utf8'));
    if (typeof value !== 'object' || value === null) return {};
    const { error, error_description: description } = value as Record<string, unknown>;
    return {
      error: typeof error === 'string' ? sanitize(error, 64) : undefined,
      description: typeof description === 'string' ? sanitize(description) : undefined,
    };
  } catch {
    return {};
  }
}

/** "HTTP 400 (invalid_grant: code expired)" for messages. */
export function describeFailure(res: HttpResponse): string {
  const { error, description } = oauthError(res);
  const detail = [error, description].filter(Boolean).join(': ');
  return detail ? `HTTP ${res.status} (${detail})` : `HTTP ${res.status}`;
}
