/** Environment variables as the providers read them (process.env by default). */
export type Env = Readonly<Record<string, string | undefined>>;

/** What every provider understands. */
export interface ProviderOptions {
  /** Default process.env. */
  env?: Env;
  /** Deadline of each HTTP request in milliseconds; default 30 s. */
  fetchTimeoutMs?: number;
  /** Cancels a pending request or sign-in. */
  signal?: AbortSignal;
  /** Epoch milliseconds, for the expiry check; default Date.now. */
  now?: () => number;
}

/** The audience Sigstore CAs expect in ambient (CI, cloud) tokens. */
export const DEFAULT_AUDIENCE = 'sigstore';
/** The public client id Sigstore's issuers register for native clients. */
export const DEFAULT_CLIENT_ID = 'sigstore';
/** How long a person has to finish an interactive sign-in. */
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;
