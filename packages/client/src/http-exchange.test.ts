import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exchange, ExchangeError } from './http-exchange.js';
import { request } from './identity/http.js';
import { requestJson } from './sign/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const routes: Record<string, Handler> = {
  '/json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json', location: '/x' }).end('{"ok":true}'),
  '/echo': (req, res, body) => res.writeHead(200).end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'], ua: req.headers['user-agent'] })),
  '/declared-big': (_req, res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000)),
  '/streamed-big': (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
    res.end();
  },
  '/slow-headers': (_req, res) => setTimeout(() => res.writeHead(200).end('late'), 2000).unref(),
  '/slow-body': (_req, res) => {
    res.writeHead(200);
    res.write('part');
    setTimeout(() => res.end('rest'), 2000).unref();
  },
  '/hop': (req, res) => {
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? 0);
    res.writeHead(302, { location: n > 0 ? `/hop?n=${n - 1}` : '/json' }).end();
  },
  '/moved': (_req, res) => res.writeHead(301, { location: '/json' }).end(),
  '/big-404': (_req, res) => res.writeHead(404, { 'content-length': '9000' }).end('n'.repeat(9000)),
  '/fail': (_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"down"}'),
};

let server: Server;
let base: string;
let hits = 0;

before(async () => {
  server = createServer((req, res) => {
    hits++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (routes[new URL(req.url ?? '/', 'http://x').pathname] ?? ((_q, r) => r.writeHead(404).end()))(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const failure = async (p: Promise<unknown>): Promise<ExchangeError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ExchangeError, `expected an ExchangeError, got ${String(err)}`);
  return err;
};

describe('exchange (node:http, no fetch)', () => {
  it('returns status, case-insensitive headers and the body; POSTs a body with its length', async () => {
    const r = await exchange({ url: new URL(`${base}/json`), timeoutMs: 1000, maxBytes: 100 });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('Content-Type'), 'application/json');
    assert.equal(r.headers.get('x-absent'), null);
    assert.deepEqual(JSON.parse(r.body.toString()), { ok: true });
    const p = await exchange({ url: new URL(`${base}/echo`), body: 'héllo', headers: { 'content-type': 'text/plain' }, timeoutMs: 1000, maxBytes: 1000 });
    assert.deepEqual(JSON.parse(p.body.toString()), { method: 'POST', body: 'héllo', type: 'text/plain', ua: `sigil (node ${process.version})` });
  });

  it('refuses a body over the cap, whether declared or streamed', async () => {
    for (const path of ['/declared-big', '/streamed-big']) {
      const err = await failure(exchange({ url: new URL(`${base}${path}`), timeoutMs: 1000, maxBytes: 4096 }));
      assert.deepEqual(err.failure, { kind: 'too-large', maxBytes: 4096 });
      assert.equal(err.message, 'larger than 4096 bytes');
    }
  });

  it('gives up at the deadline: headers, or the body after a separate headers deadline', async () => {
    let err = await failure(exchange({ url: new URL(`${base}/slow-headers`), timeoutMs: 150, maxBytes: 100 }));
    assert.deepEqual(err.failure, { kind: 'timeout', ms: 150 });
    err = await failure(exchange({ url: new URL(`${base}/slow-headers`), timeoutMs: 5000, headersTimeoutMs: 100, maxBytes: 100 }));
    assert.equal(err.message, 'no answer within 100 ms');
    err = await failure(exchange({ url: new URL(`${base}/slow-body`), timeoutMs: 200, headersTimeoutMs: 100, maxBytes: 100 }));
    assert.deepEqual(err.failure, { kind: 'timeout', ms: 200 });
  });

  it('with skipErrorBodies, an error answer is returned unread whatever its size; redirects are followed on request', async () => {
    const r = await exchange({ url: new URL(`${base}/big-404`), timeoutMs: 1000, maxBytes: 100, skipErrorBodies: true });
    assert.equal(r.status, 404);
    assert.equal(r.body.length, 0);
    assert.equal((await failure(exchange({ url: new URL(`${base}/big-404`), timeoutMs: 1000, maxBytes: 100 }))).failure.kind, 'too-large');
    const followed = await exchange({ url: new URL(`${base}/hop?n=2`), timeoutMs: 1000, maxBytes: 100, followRedirects: true, skipErrorBodies: true });
    assert.deepEqual([followed.status, JSON.parse(followed.body.toString())], [200, { ok: true }]);
    assert.deepEqual((await failure(exchange({ url: new URL(`${base}/hop?n=5`), timeoutMs: 1000, maxBytes: 100, followRedirects: true }))).failure, { kind: 'redirects', max: 5 });
  });

  it('stops when its signal aborts, and names a refused connection as transient', async () => {
    const ctl = new AbortController();
    const pending = exchange({ url: new URL(`${base}/slow-headers`), timeoutMs: 5000, maxBytes: 100, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 50);
    assert.deepEqual((await failure(pending)).failure, { kind: 'aborted' });
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const refused = await failure(exchange({ url: new URL(`http://127.0.0.1:${port}/`), timeoutMs: 1000, maxBytes: 100 }));
    assert.deepEqual(refused.failure, { kind: 'network', code: 'ECONNREFUSED' });
    assert.equal(refused.transient, true);
    const other = await failure(exchange({ url: new URL('ftp://127.0.0.1/'), timeoutMs: 1000, maxBytes: 100 }));
    assert.equal(other.failure.kind, 'network');
  });
});

describe('identity request over exchange', () => {
  it('follows up to five redirects only where asked to, and says which request failed', async () => {
    const ok = await request('test', { url: new URL(`${base}/hop?n=4`), timeoutMs: 1000, followRedirects: true });
    assert.equal(ok.status, 200);
    await assert.rejects(request('test', { url: new URL(`${base}/hop?n=5`), timeoutMs: 1000, followRedirects: true }), /more than 5 redirects/);
    await assert.rejects(request('test', { url: new URL(`${base}/moved`), timeoutMs: 1000 }), /request to http:\/\/127\.0\.0\.1:\d+\/moved failed: unexpected redirect \(HTTP 301\)/);
    await assert.rejects(request('test', { url: new URL(`${base}/streamed-big`), timeoutMs: 1000, maxBytes: 5000 }), /is larger than 5000 bytes; refusing it/);
  });

  it('drops credentials on a redirect to another origin, keeps them on the same origin', async () => {
    const seen: Array<string | undefined> = [];
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200).end('{}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    routes['/away'] = (req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(302, { location: `${otherBase}/landing` }).end();
    };
    try {
      await request('test', { url: new URL(`${base}/away`), headers: { Authorization: 'bearer secret' }, timeoutMs: 1000, followRedirects: true });
      assert.deepEqual(seen, ['bearer secret', undefined]);
      seen.length = 0;
      routes['/here'] = (req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(302, { location: '/here-landing' }).end();
      };
      routes['/here-landing'] = (req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(200).end('{}');
      };
      const r = await request('test', { url: new URL(`${base}/here`), headers: { authorization: 'bearer secret' }, timeoutMs: 1000, followRedirects: true });
      assert.equal(r.status, 200);
      assert.deepEqual(seen, ['bearer secret', 'bearer secret']);
    } finally {
      other.close();
    }
  });

  it('sends a form as application/x-www-form-urlencoded', async () => {
    const r = await request('test', { url: new URL(`${base}/echo`), method: 'POST', form: { a: '1', b: 'x y' }, timeoutMs: 1000 });
    assert.deepEqual(JSON.parse(r.body.toString()), { method: 'POST', body: 'a=1&b=x+y', type: 'application/x-www-form-urlencoded', ua: `sigil (node ${process.version})` });
  });
});

describe('requestJson over exchange', () => {
  it('returns JSON and headers; retries a 5xx twice, then names the status and message', async () => {
    const r = await requestJson(`${base}/json`, 'test');
    assert.deepEqual(r.body, { ok: true });
    assert.equal(r.headers.get('location'), '/x');
    const before = hits;
    await assert.rejects(requestJson(`${base}/fail`, 'the log'), { code: 'ERR_REMOTE', message: /^the log: http:\/\/127\.0\.0\.1:\d+ answered 503: down$/ });
    assert.equal(hits - before, 3);
    await assert.rejects(requestJson(`${base}/moved`, 'the CA'), { code: 'ERR_SIGN', message: /answered 301/ });
    await assert.rejects(requestJson(`${base}/slow-headers`, 'the CA', { timeoutMs: 100 }), { code: 'ERR_REMOTE', message: /cannot reach .* \(timed out\)/ });
  });
});
