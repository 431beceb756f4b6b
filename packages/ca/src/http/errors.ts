import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isSigilError } from '@sigil/core';

/** The log's error body: `{code, message}` with the HTTP status as code; `error` is our stable code. */
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

/**
 * Every failure is JSON. A rejected request is a 4xx whose message says what was wrong
 * (and is logged at info without its body); our own faults are 5xx without internals.
 */
export function caErrorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<void> {
  if (isSigilError(err)) {
    if (err.httpStatus === 503) void reply.header('retry-after', '1');
    if (err.httpStatus >= 500) request.log.error({ code: err.code, reason: err.message }, 'certificate request failed');
    else request.log.info({ code: err.code, reason: err.message }, 'certificate request refused');
    return sendError(reply, err.httpStatus, err.message, err.code);
  }
  const fe = err as FastifyError;
  if (fe.validation) return sendError(reply, 400, `invalid request: ${fe.message}`, 'ERR_BAD_REQUEST');
  if (fe.statusCode === 413) return rejectOversize(request, reply, fe.message);
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return sendError(reply, fe.statusCode, fe.message, 'ERR_BAD_REQUEST');
  request.log.error({ message: err.message }, 'unexpected error');
  return sendError(reply, 500, 'internal error', 'ERR_INTERNAL');
}

/** Paths whose values must never reach a log line (the same list as the log's). */
export const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', '*.idToken', '*.token', '*.oidcIdentityToken', '*.privateKey'];

const DRAIN_LIMIT = 16 * 1024 * 1024;

/** Read and drop the rest of an oversize body (bounded), so the client sees our 413 rather than a reset. */
function rejectOversize(request: FastifyRequest, reply: FastifyReply, message: string): FastifyReply | Promise<void> {
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
      if (seen > DRAIN_LIMIT) raw.destroy();
    });
    raw.once('end', finish);
    raw.once('close', finish);
    raw.once('error', finish);
    raw.resume();
  });
}
