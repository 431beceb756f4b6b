import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isSigilError } from '@sigil/core';

/** Rekor's error body: `{code, message}` where code is the HTTP status; `error` is our stable code. */
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
 * Every failure becomes a JSON answer. Bad input is a 4xx with a message that says what was
 * wrong; only our own faults are 5xx, and those never echo internals.
 */
export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isSigilError(err)) {
    if (err.httpStatus === 503) void reply.header('retry-after', '1');
    if (err.httpStatus >= 500) request.log.error({ err }, 'request failed');
    return sendError(reply, err.httpStatus, err.message, err.code);
  }
  const fe = err as FastifyError;
  if (fe.validation) return sendError(reply, 400, `invalid request: ${fe.message}`, 'ERR_BAD_REQUEST');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return sendError(reply, fe.statusCode, fe.message, fe.statusCode === 413 ? 'ERR_BODY_TOO_LARGE' : 'ERR_BAD_REQUEST');
  }
  request.log.error({ err }, 'unexpected error');
  return sendError(reply, 500, 'internal error', 'ERR_INTERNAL');
}

/** Paths whose values must never reach a log line. */
export const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', '*.idToken', '*.token', '*.privateKey'];
