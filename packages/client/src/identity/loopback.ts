// The native-app redirect receiver of RFC 8252 §7.3: an HTTP server on 127.0.0.1 (the
// literal address, not `localhost`, which may resolve elsewhere) on a port the system picks.
// The browser's request to the callback is held open until the code has been exchanged,
// so the page the user is left on says whether the sign-in actually worked.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CALLBACK_PATH = '/auth/callback';

export interface LoopbackHit {
  params: URLSearchParams;
  /** Answers the browser; only the first call counts. */
  respond(ok: boolean, message: string): void;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>/auth/callback` */
  redirectUri: string;
  /** The first request to the callback path. */
  hit: Promise<LoopbackHit>;
  close(): Promise<void>;
}

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(ok: boolean, message: string): string {
  const title = ok ? 'Signed in' : 'Sign-in failed';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sigil: ${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#18181b}h1{font-size:1.4em}</style>
</head><body><h1 id="result">${title}</h1><p id="message">${escapeHtml(message)}</p></body></html>
`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // The callback URL holds the authorization code: no referrer may carry it anywhere.
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(html);
}

export async function startLoopback(): Promise<LoopbackServer> {
  let deliver!: (hit: LoopbackHit) => void;
  const hit = new Promise<LoopbackHit>((resolve) => {
    deliver = resolve;
  });
  let taken = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      // Favicon requests and strays: nothing here but the callback.
      send(res, 404, page(false, 'Nothing here.'));
      return;
    }
    if (taken) {
      send(res, 409, page(false, 'This sign-in has already been completed or abandoned. Return to the terminal.'));
      return;
    }
    taken = true;
    let answered = false;
    deliver({
      params: url.searchParams,
      respond(ok, message) {
        if (answered) return;
        answered = true;
        send(res, ok ? 200 : 400, page(ok, message));
      },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    hit,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Browsers keep idle connections open. An answer still being written gets a moment to
      // reach the browser before its socket is cut.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    }),
  };
}
