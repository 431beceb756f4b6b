/**
 * Every failure to update trust becomes one `ERR_TUF` whose message names the step that failed
 * and says why in words, since tuf-js's own errors (and the SyntaxErrors and TypeErrors of its
 * parsers) are often a bare class with a terse message.
 */
import { SigilError } from '@sigil/core';

export function tufError(step: string, cause: unknown, hint?: string): SigilError {
  if (cause instanceof SigilError) return cause;
  return new SigilError('ERR_TUF', `${step} failed: ${describe(cause)}`, { cause, ...(hint !== undefined && { hint }) });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof SyntaxError) return `malformed JSON (${err.message})`;
  // @tufjs/models reports a metadata field of the wrong type or shape as a TypeError.
  if (err instanceof TypeError) return `malformed metadata (${err.message})`;
  return err.message;
}
