// Shared by the identity unit tests only: JWT-shaped tokens (unsigned: the client never
// verifies signatures) and a loopback HTTP server that scripts an issuer's answers.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function fakeJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'ES256', typ: 'JWT' }): string {
  return `${b64(header)}.${b64(claims)}.${randomBytes(64).toString('base64url')}`;
}

export const inAnHour = (): number => Math.floor(Date.now() / 1000) + 3600;

export interface TestServer {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string, url: URL) => void | Promise<void>;

export async function serve(handler: Handler): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(handler(req, res, body, new URL(req.url ?? '/', 'http://127.0.0.1'))).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

export function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface FakeIssuer extends TestServer {
  issuer: string;
  /** Parameters of the last authorization request. */
  authorize?: URLSearchParams;
  /** Changes the redirect's query before the browser follows it. */
  redirect: (params: URLSearchParams) => void;
  /** Claims of the next ID token, on top of iss/aud/exp/email (and the nonce asked for). */
  claims: Record<string, unknown>;
  /** Answers to successive device-code polls; the last one repeats. */
  devicePolls: { status: number; body: Record<string, unknown> }[];
  /** Extra fields of the device authorization response. */
  device: Record<string, unknown>;
  /** Discovery document overrides. */
  discovery: Record<string, unknown>;
}

/** A scripted OpenID provider: authorization code + PKCE and the device grant. */
export async function startFakeIssuer(): Promise<FakeIssuer> {
  const holder: { fake?: FakeIssuer } = {};
  let polls = 0;
  const server = await serve((req, res, body, url) => {
    const fake = holder.fake!;
    const issuer = fake.issuer;
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          device_authorization_endpoint: `${issuer}/device`,
          code_challenge_methods_supported: ['S256'],
          ...fake.discovery,
        });
      case '/authorize': {
        fake.authorize = url.searchParams;
        const params = new URLSearchParams({ code: 'the-code', state: url.searchParams.get('state') ?? '', iss: issuer });
        fake.redirect(params);
        res.writeHead(302, { location: `${url.searchParams.get('redirect_uri')}?${params.toString()}` }).end();
        return;
      }
      case '/device':
        polls = 0;
        return json(res, 200, { device_code: 'dev-code', user_code: 'ABCD-EFGH', verification_uri: `${issuer}/verify`, expires_in: 600, ...fake.device });
      case '/token': {
        const form = new URLSearchParams(body);
        const idToken = (nonce?: string) => fakeJwt({ iss: issuer, aud: 'sigstore', email: 'dev@example.com', exp: inAnHour(), ...(nonce ? { nonce } : {}), ...fake.claims });
        if (form.get('grant_type') === 'authorization_code') {
          const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
          if (form.get('code') !== 'the-code' || challenge !== fake.authorize?.get('code_challenge')
            || form.get('redirect_uri') !== fake.authorize.get('redirect_uri')) {
            return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE or code mismatch' });
          }
          return json(res, 200, { id_token: idToken(fake.authorize.get('nonce') ?? undefined), access_token: 'at', token_type: 'Bearer' });
        }
        const answer = fake.devicePolls[Math.min(polls++, fake.devicePolls.length - 1)] ?? { status: 200, body: {} };
        return json(res, answer.status, answer.status === 200 ? { id_token: idToken(), ...answer.body } : answer.body);
      }
      default:
        res.writeHead(404).end();
    }
  });
  holder.fake = Object.assign(server, {
    issuer: server.url, redirect: () => undefined, claims: {}, devicePolls: [], device: {}, discovery: {},
  });
  return holder.fake;
}
