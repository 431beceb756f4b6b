// Tokens handed to us: the identityToken option (a JWT, or a file holding one, as cosign's
// --identity-token takes either) and the SIGSTORE_ID_TOKEN variable (a JWT only: CI
// systems such as GitLab put the value itself there).
import { open } from 'node:fs/promises';
import { isSigilError } from '@sigil/core';
import { JWT_SHAPE, readIdentityToken, type IdentityToken } from './claims.js';
import { MAX_TOKEN_RESPONSE_BYTES } from './http.js';
import { identityError } from './identity-error.js';
import type { ProviderOptions } from './options.js';

async function readTokenFile(path: string): Promise<string> {
  // Read at most one byte past the cap, so a path such as /dev/zero cannot exhaust memory.
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_TOKEN_RESPONSE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_TOKEN_RESPONSE_BYTES) {
      throw identityError(`the identity token file ${path}`, `it is larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The explicit token: `value` is used as the JWT when it looks like one, and is otherwise
 * read as the path of a file holding one.
 */
export async function explicitToken(value: string, opts: Pick<ProviderOptions, 'now'> = {}): Promise<IdentityToken> {
  const now = (opts.now ?? Date.now)();
  const trimmed = value.trim();
  if (trimmed === '') throw identityError('the identityToken option', 'it is empty');
  if (JWT_SHAPE.test(trimmed)) return readIdentityToken(trimmed, 'explicit', 'the identityToken option', now);
  let contents: string;
  try {
    contents = await readTokenFile(trimmed);
  } catch (err) {
    if (isSigilError(err)) throw err;
    const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'unreadable';
    // The value is not quoted: a mangled token pasted here must not end up in a log.
    throw identityError('the identityToken option', `it is neither a JWT nor a readable file (${code})`, {
      cause: err,
      hint: 'pass the token itself, or the path of a file holding it',
    });
  }
  return readIdentityToken(contents, 'explicit', `the identity token file ${trimmed}`, now);
}

/** SIGSTORE_ID_TOKEN, when set and not empty. */
export function envToken(opts: Pick<ProviderOptions, 'env' | 'now'> = {}): IdentityToken | undefined {
  const env = opts.env ?? process.env;
  const value = env.SIGSTORE_ID_TOKEN;
  if (value === undefined || value.trim() === '') return undefined;
  return readIdentityToken(value, 'env', 'SIGSTORE_ID_TOKEN', (opts.now ?? Date.now)());
}
