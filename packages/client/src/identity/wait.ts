// Waiting on a person: always bounded by a deadline, and cancellable (Ctrl-C in a CLI should
// not leave a loopback server or a polling loop behind).
import { identityError } from './identity-error.js';

/** Resolves after `ms`, or rejects with ERR_IDENTITY "cancelled" when `signal` aborts. */
export function sleep(ms: number, source: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(identityError(source, 'cancelled', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(identityError(source, 'cancelled', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or ERR_IDENTITY when `ms` pass first (message `timeoutMessage`) or `signal` aborts. */
export function withDeadline<T>(promise: Promise<T>, ms: number, source: string, timeoutMessage: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(identityError(source, 'cancelled', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(identityError(source, timeoutMessage));
    }, Math.max(0, ms));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err: unknown) => {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
