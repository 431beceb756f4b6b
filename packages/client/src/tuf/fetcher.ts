/**
 * The HTTP side of the TUF client: tuf-js's `Fetcher` over global fetch, with every download
 * bounded in bytes and in time.
 *
 * tuf-js's own fetcher stops reading at the length limit but leaves the response open, so a
 * mirror that streams without end keeps the socket (and a CLI process) alive until the
 * timeout. Here the body is cancelled the moment it goes over, a declared Content-Length over
 * the limit is refused before reading, and one hard cap applies even when signed metadata
 * declares a larger length (a compromised timestamp or snapshot key could declare anything).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fetcher } from 'tuf-js';
// Not re-exported from the package root; tuf-js only treats a 403/404 as "no newer root"
// when it is an instance of this very class.
import { DownloadError, DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';

export interface BoundedFetcherOptions {
  /** Per request, covering connect, headers and the whole body. */
  timeoutMs: number;
  /** Ceiling on any one download, whatever length tuf-js asks for. */
  maxBytes: number;
  userAgent: string;
}

export class BoundedFetcher implements Fetcher {
  #requests = 0;

  constructor(private readonly options: BoundedFetcherOptions) {}

  /** How many requests were started: zero means the answer came from the cache alone. */
  get requests(): number {
    return this.#requests;
  }

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const limit = Math.min(maxLength, this.options.maxBytes);
    const where = `GET ${url}`;
    this.#requests += 1;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'user-agent': this.options.userAgent },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new DownloadError(`${where}: ${this.reason(err)}`);
    }
    const body = response.body;
    if (!response.ok || body === null) {
      await body?.cancel().catch(() => undefined);
      throw new DownloadHTTPError(`${where}: HTTP ${response.status}`, response.status);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limit) {
      await body.cancel().catch(() => undefined);
      throw new DownloadLengthMismatchError(`${where}: ${declared} bytes is over the ${limit}-byte limit`);
    }
    const reader: ReadableStreamDefaultReader<Uint8Array> = body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        if (received > limit) {
          await reader.cancel().catch(() => undefined);
          throw new DownloadLengthMismatchError(`${where}: response is over the ${limit}-byte limit`);
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      throw new DownloadError(`${where}: ${this.reason(err)}`);
    }
    return Buffer.concat(chunks);
  }

  // tuf-js hands targets over as files: it checks the hashes by streaming the file and then
  // copies it to the path the caller chose.
  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const bytes = await this.downloadBytes(url, maxLength);
    const dir = await mkdtemp(join(tmpdir(), 'sigil-tuf-'));
    try {
      const file = join(dir, 'download');
      await writeFile(file, bytes);
      return await handler(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private reason(err: unknown): string {
    if (!(err instanceof Error)) return String(err);
    if (err.name === 'TimeoutError') return `timed out after ${this.options.timeoutMs} ms`;
    // undici reports every network failure as TypeError('fetch failed'); the cause says which.
    const cause: unknown = err.cause;
    if (cause instanceof Error && cause.message !== '') return cause.message;
    return err.message;
  }
}
