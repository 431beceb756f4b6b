// The error table alone (not @sigil/core's index, which loads hashing and curve code): `sigil --help` stays fast.
import { isSigilError } from '@sigil/core/errors';

/** Usage error: exit 2 with one line. */
export class UsageError extends Error {}

/** One readable line on stderr and a documented exit code; a stack only for real bugs. */
export function reportAndExit(err: unknown): never {
  if (isSigilError(err)) {
    process.stderr.write(`sigil: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`sigil: ${err.message}\n`);
    process.exit(2);
  }
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') {
    process.stderr.write(`sigil: could not connect: ${e.message ?? ''}\n`);
    process.exit(75);
  }
  process.stderr.write(`sigil: unexpected error (this is a bug): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(70);
}

export const EXIT_CODES_HELP = `
Exit codes:
  0   success
  1   verification failed
  2   bad usage or bad input
  3   not found
  4   duplicate entry
  5   not authorized
  70  internal error (a bug: please report it)
  75  temporarily unavailable (retry)
  78  configuration error`;
