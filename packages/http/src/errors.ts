import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isSigilError } from '@sigil/core';

/** Rekor's and Fulcio's error body: `{code, message}` with the HTTP status as code; `error` is our stable code. */
export interface ErrorBody {
  code: number;
  message: string;
  error?: string;
}

export function sendError(reply: FastifyReply, status: number, message: string, error?: string): FastifyReply {
  const body: ErrorBody = { code: status, message };
  if (error) body.error = error;
  return reply.code(status).type('application/json').send(body);
}

/** A JSON 404 naming the route asked for (never the query: it may carry a token). */
export function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, `no route for ${req.method} ${req.url.split('?')[0] ?? ''}`, 'ERR_NOT_FOUND');
}

/** Request paths whose values must never reach a log line (tokens, credentials, keys). */
export const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', '*.idToken', '*.token', '*.oidcIdentityToken', '*.privateKey'];

export interface ErrorHandlerOptions {
  /** Read at most this much of an oversize body before dropping the connection. */
  drainLimit: number;
  /** Log refused requests at info with this label (the CA: why a certificate was refused). */
  refusals?: string;
}

/**
 * Every failure becomes a JSON answer. Bad input is a 4xx whose message says what was
 * wrong; only our own faults are 5xx, and those never echo internals.
 */
export function errorHandler(opts: ErrorHandlerOptions): (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<void> {
  return (err, request, reply) => {
    if (isSigilError(err)) {
      if (err.httpStatus === 503) void reply.header('retry-after', '1');
      if (err.httpStatus >= 500) request.log.error({ code: err.code, reason: err.message }, 'request failed');
      else if (opts.refusals) request.log.info({ code: err.code, reason: err.message }, opts.refusals);
      return sendError(reply, err.httpStatus, err.message, err.code);
    }
    const fe = err as FastifyError;
    if (fe.validation) return sendError(reply, 400, `invalid request: ${fe.message}`, 'ERR_BAD_REQUEST');
    if (fe.statusCode === 413) return rejectOversize(request, reply, fe.message, opts.drainLimit);
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return sendError(reply, fe.statusCode, fe.message, 'ERR_BAD_REQUEST');
    request.log.error({ err }, 'unexpected error');
    return sendError(reply, 500, 'internal error', 'ERR_INTERNAL');
  };
}

/**
 * An oversize body is refused before it is parsed, but a client still sending it would see
 * the connection reset instead of our 413. So read and discard the rest (bounded), then
 * answer and close the connection.
 */
function rejectOversize(request: FastifyRequest, reply: FastifyReply, message: string, limit: number): FastifyReply | Promise<void> {
  const raw = request.raw;
  void reply.header('connection', 'close');
  if (raw.complete || raw.readableEnded) return sendError(reply, 413, message, 'ERR_BODY_TOO_LARGE');
  return new Promise<void>((resolve) => {
    let seen = 0;
    let sent = false;
    const finish = () => {
      if (!sent) void sendError(reply, 413, message, 'ERR_BODY_TOO_LARGE');
      sent = true;
      resolve();
    };
    raw.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) raw.destroy();
    });
    raw.once('end', finish);
    raw.once('close', finish);
    raw.once('error', finish);
    raw.resume();
  });
}
