import { SigilError } from '@sigil/core';

/**
 * Every failure to get a token is ERR_IDENTITY, and its message starts with where the token
 * was to come from: with six sources tried in turn, "which one" is the first question.
 */
export function identityError(source: string, message: string, options?: { cause?: unknown; hint?: string; details?: Record<string, unknown> }): SigilError {
  return new SigilError('ERR_IDENTITY', `${source}: ${message}`, options);
}

/** A short, printable form of a remote error string (remote text goes into our messages). */
export function sanitize(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : '';
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
