/**
 * The HTTP side of the TUF client: tuf-js's `Fetcher` over the client's one HTTP exchange
 * (../http-exchange.ts), every download bounded in bytes and in time.
 *
 * tuf-js's own fetcher stops reading at the length limit but leaves the response open, so a
 * mirror that streams without end keeps the socket (and a CLI process) alive until the
 * timeout. Here the connection is dropped the moment the body goes over, a declared
 * Content-Length over the limit is refused before reading, and one hard cap applies even when
 * signed metadata declares a larger length (a compromised timestamp or snapshot key could
 * declare anything).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fetcher } from 'tuf-js';
import { exchange, ExchangeError } from '../http-exchange.js';
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
    let res;
    try {
      res = await exchange({
        url: new URL(url), headers: { 'user-agent': this.options.userAgent }, timeoutMs: this.options.timeoutMs, maxBytes: limit, followRedirects: true, skipErrorBodies: true,
      });
    } catch (err) {
      if (!(err instanceof ExchangeError)) throw new DownloadError(`${where}: ${String(err)}`);
      const f = err.failure;
      if (f.kind === 'too-large') {
        throw new DownloadLengthMismatchError(
          err.declaredLength === undefined ? `${where}: response is over the ${limit}-byte limit` : `${where}: ${err.declaredLength} bytes is over the ${limit}-byte limit`,
        );
      }
      if (f.kind === 'timeout') throw new DownloadError(`${where}: timed out after ${this.options.timeoutMs} ms`);
      // A socket error's own message says which ("connect ECONNREFUSED 127.0.0.1:443").
      throw new DownloadError(`${where}: ${err.cause instanceof Error && err.cause.message !== '' ? err.cause.message : err.message}`);
    }
    if (res.status < 200 || res.status >= 300) throw new DownloadHTTPError(`${where}: HTTP ${res.status}`, res.status);
    return res.body;
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
}
