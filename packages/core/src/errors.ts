/**
 * One table of every error code Sigil raises: its HTTP status (servers) and its exit code
 * (CLI). Codes are stable: clients and scripts may switch on them.
 */
export const ERRORS = {
  ERR_BAD_REQUEST: { http: 400, exit: 2 },
  ERR_ENCODING: { http: 400, exit: 2 },
  ERR_ENTRY_INVALID: { http: 400, exit: 2 },
  ERR_ENTRY_SIGNATURE: { http: 400, exit: 2 },
  ERR_UNSUPPORTED_KIND: { http: 400, exit: 2 },
  ERR_UNSUPPORTED_KEY: { http: 400, exit: 2 },
  ERR_BODY_TOO_LARGE: { http: 413, exit: 2 },
  ERR_TOO_MANY_ITEMS: { http: 422, exit: 2 },
  ERR_NOT_FOUND: { http: 404, exit: 3 },
  ERR_DUPLICATE_ENTRY: { http: 409, exit: 4 },
  ERR_UNAUTHORIZED: { http: 401, exit: 5 },
  ERR_PUSHBACK: { http: 503, exit: 75 },
  ERR_LOG_UNAVAILABLE: { http: 503, exit: 75 },
  ERR_CONFIG: { http: 500, exit: 78 },
  ERR_MERKLE_PROOF: { http: 400, exit: 1 },
  ERR_NOTE: { http: 400, exit: 1 },
  ERR_CHECKPOINT: { http: 400, exit: 1 },
  ERR_INTERNAL: { http: 500, exit: 70 },
  // Keyless CA (Fulcio v2 API). Fulcio answers every rejected request with InvalidArgument (400).
  ERR_TOKEN_INVALID: { http: 400, exit: 5 },
  ERR_CA_PUBLIC_KEY: { http: 400, exit: 2 },
  ERR_CA_CSR: { http: 400, exit: 2 },
  ERR_CA_PROOF: { http: 400, exit: 2 },
  ERR_CA_UNAVAILABLE: { http: 503, exit: 75 },
  // Client bundle verification: one code per failed check, in the order the checks run.
  // Exit 1 = "verification failed"; a malformed trusted root is an input (usage) error.
  ERR_VERIFY_TRUSTED_ROOT: { http: 400, exit: 2 },
  ERR_VERIFY_BUNDLE: { http: 400, exit: 1 },
  ERR_VERIFY_CERTIFICATE: { http: 400, exit: 1 },
  ERR_VERIFY_SCT: { http: 400, exit: 1 },
  ERR_VERIFY_TLOG_BODY: { http: 400, exit: 1 },
  ERR_VERIFY_TLOG_SET: { http: 400, exit: 1 },
  ERR_VERIFY_TLOG_INCLUSION: { http: 400, exit: 1 },
  ERR_VERIFY_TIMESTAMP: { http: 400, exit: 1 },
  ERR_VERIFY_POLICY: { http: 400, exit: 1 },
  ERR_VERIFY_ARTIFACT: { http: 400, exit: 1 },
  ERR_VERIFY_SIGNATURE: { http: 400, exit: 1 },
  // Client: keys, identity, trust distribution (TUF), signing services, OCI registries.
  ERR_KEY_FORMAT: { http: 400, exit: 2 },
  ERR_KEY_PASSWORD: { http: 400, exit: 5 },
  ERR_IDENTITY: { http: 401, exit: 5 },
  ERR_TUF: { http: 502, exit: 1 },
  ERR_SIGN: { http: 502, exit: 75 },
  ERR_REMOTE: { http: 502, exit: 75 },
  ERR_OCI: { http: 502, exit: 75 },
  ERR_OCI_AUTH: { http: 401, exit: 5 },
  ERR_OCI_DIGEST: { http: 400, exit: 1 },
  ERR_OCI_LIMIT: { http: 413, exit: 1 },
  // Image verification: the signed payload, the signature's whereabouts.
  ERR_VERIFY_IMAGE: { http: 400, exit: 1 },
  ERR_VERIFY_IMAGE_DIGEST: { http: 400, exit: 1 },
  ERR_VERIFY_IMAGE_REFERENCE: { http: 400, exit: 1 },
  ERR_VERIFY_NO_SIGNATURES: { http: 404, exit: 1 },
} as const satisfies Record<string, { http: number; exit: number }>;

export type SigilErrorCode = keyof typeof ERRORS;

export class SigilError extends Error {
  override readonly name = 'SigilError';
  constructor(
    readonly code: SigilErrorCode,
    message: string,
    options?: { cause?: unknown; hint?: string; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options?.hint;
    this.details = options?.details;
  }
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  get httpStatus(): number {
    return ERRORS[this.code].http;
  }
  get exitCode(): number {
    return ERRORS[this.code].exit;
  }
}

export function isSigilError(err: unknown): err is SigilError {
  return err instanceof SigilError;
}
