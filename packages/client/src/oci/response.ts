/**
 * A registry's answer, read only within a byte cap and an inactivity deadline, so a
 * hostile or broken registry can neither exhaust memory nor hang the client (RS-69).
 */
import { SigilError } from '@sigil/core';

const ERROR_BODY_MAX = 16 * 1024;

/** Aborts a request when nothing has arrived for `ms`; each chunk read re-arms it. */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #expired = false;
  constructor(readonly ms: number) {
    // unref: a forgotten response must not keep the process alive.
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort();
    }, ms).unref();
  }
  get signal(): AbortSignal {
    return this.#controller.signal;
  }
  get expired(): boolean {
    return this.#expired;
  }
  touch(): void {
    this.#timer.refresh();
  }
  clear(): void {
    clearTimeout(this.#timer);
  }
}

/** The URL without query or fragment: upload states and pre-signed blob URLs carry secrets there. */
export function showUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export class RegistryResponse {
  constructor(
    readonly method: string,
    readonly url: URL,
    private readonly response: Response,
    private readonly deadline: Deadline,
  ) {}

  get status(): number {
    return this.response.status;
  }
  get headers(): Headers {
    return this.response.headers;
  }

  /** Declared length, or undefined when absent or not a plain decimal. */
  get contentLength(): number | undefined {
    const v = this.response.headers.get('content-length');
    return v !== null && /^[0-9]{1,15}$/.test(v) ? Number(v) : undefined;
  }

  /** Read the whole body; over `max` bytes is ERR_OCI_LIMIT, decided from Content-Length when given. */
  async bytes(max: number, what: string): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.chunks(max, what)) {
      parts.push(chunk);
      total += chunk.length;
    }
    return Buffer.concat(parts, total);
  }

  /** Stream the body in the chunks it arrives in, stopping with ERR_OCI_LIMIT past `max` bytes. */
  async *chunks(max: number, what: string): AsyncGenerator<Uint8Array, void, undefined> {
    const declared = this.contentLength;
    if (declared !== undefined && declared > max) {
      await this.discard();
      throw new SigilError('ERR_OCI_LIMIT', `${what} is ${declared} bytes; the cap is ${max}`);
    }
    const body = this.response.body;
    if (!body) {
      this.deadline.clear();
      return;
    }
    const reader: ReadableStreamDefaultReader<Uint8Array> = body.getReader();
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.deadline.touch();
        total += value.length;
        if (total > max) throw new SigilError('ERR_OCI_LIMIT', `${what} exceeds the ${max}-byte cap`);
        yield value;
      }
    } catch (err) {
      if (err instanceof SigilError) throw err;
      throw this.transportError(err);
    } finally {
      this.deadline.clear();
      // Stops the transfer when the consumer or the cap ends reading early.
      await reader.cancel().catch(() => undefined);
    }
  }

  /** Drop the body unread (frees the connection). */
  async discard(): Promise<void> {
    this.deadline.clear();
    await this.response.body?.cancel().catch(() => undefined);
  }

  /**
   * The error to throw for an unexpected status: the registry's own error code and message
   * (distribution spec §Error Codes), trimmed; 401/403 become ERR_OCI_AUTH.
   */
  async failure(what: string): Promise<SigilError> {
    let detail = '';
    let registryCode: string | undefined;
    try {
      const body = await this.bytes(ERROR_BODY_MAX, 'error body');
      const doc = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
      const first = Array.isArray(doc.errors) ? doc.errors[0] : undefined;
      if (typeof first?.code === 'string') registryCode = clean(first.code, 64);
      if (typeof first?.message === 'string') detail = clean(first.message, 300);
    } catch {
      await this.discard();
    }
    // A missing image is the caller's mistake (exit 3), not a registry outage to retry.
    const code = this.status === 401 || this.status === 403 ? 'ERR_OCI_AUTH' : this.status === 404 ? 'ERR_NOT_FOUND' : 'ERR_OCI';
    const said = [registryCode, detail].filter(Boolean).join(': ');
    return new SigilError(code, `${what}: HTTP ${this.status}${said ? ` (${said})` : ''}`, {
      details: { status: this.status, ...(registryCode ? { registryCode } : {}) },
    });
  }

  transportError(err: unknown): SigilError {
    if (this.deadline.expired) {
      return new SigilError('ERR_OCI', `${this.method} ${showUrl(this.url)}: no data for ${this.deadline.ms} ms`, { cause: err });
    }
    return new SigilError('ERR_OCI', `${this.method} ${showUrl(this.url)}: ${describe(err)}`, { cause: err });
  }
}

/** Registry text shown to the user: printable ASCII only, so it cannot forge terminal output. */
function clean(text: string, max: number): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
