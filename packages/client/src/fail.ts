import { SigilError, type SigilErrorCode } from '@sigil/core';

/** The verification codes, in the order the checks run. */
export type VerifyCode = Extract<SigilErrorCode, `ERR_VERIFY_${string}`>;

export function fail(code: VerifyCode, message: string, cause?: unknown): never {
  throw new SigilError(code, message, cause === undefined ? undefined : { cause });
}

/** Run `fn`; rethrow anything that is not already a verification error as `code`. */
export function as<T>(code: VerifyCode, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SigilError && err.code.startsWith('ERR_VERIFY_')) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    return fail(code, `${what}: ${detail}`, err);
  }
}
