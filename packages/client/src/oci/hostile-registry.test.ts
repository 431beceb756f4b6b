import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { digestOf } from './digest.js';
import { MAX_DESCRIPTORS } from './manifest.js';
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from './media-types.js';
import { RegistryClient } from './registry.js';
import { makeTestImage, pushTestImage, startProxy, startRegistry, type ProxyAnswer, type ProxyHooks, type TestImage, type TestServer } from './test-registry.js';
import { Transport, checkTransportUrl } from './transport.js';

// A registry, or a proxy in front of one, that lies: RS-66 (digests), RS-68 (counts), RS-69 (sizes).
let reg: TestServer;
let dir: string;
let img: TestImage;
const REPO = 'hostile/app';
const MiB = 1024 * 1024;
const none = (): Promise<undefined> => Promise.resolve(undefined);
const client = (timeoutMs = 5000): RegistryClient => new RegistryClient({ credentials: none, timeoutMs });

before(async () => {
  reg = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), 'sigil-oci-hostile-'));
  img = makeTestImage({ layers: 1, layerSize: 64 * 1024 });
  await pushTestImage(client(), `${reg.host}/${REPO}`, img, 'v1');
});
after(async () => {
  await reg.stop();
  await rm(dir, { recursive: true, force: true });
});

async function withProxy(hooks: ProxyHooks, fn: (proxy: TestServer) => Promise<void>, upstream: string | undefined = reg.url): Promise<void> {
  const proxy = await startProxy(upstream, hooks);
  try {
    await fn(proxy);
  } finally {
    await proxy.stop();
  }
}

const isGet = (method: string, url: string, kind: string): boolean => method === 'GET' && url.includes(`/${kind}/`);
const json = (v: unknown, headers: Record<string, string> = {}): ProxyAnswer => ({
  status: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(v)),
});

test('RS-66: a manifest altered in transit is rejected, by digest and by tag', async () => {
  let keepHeader = true;
  const alter: ProxyHooks['alter'] = (req, answer) => {
    if (!isGet(req.method, req.url, 'manifests') || answer.status !== 200) return undefined;
    const doc = JSON.parse((answer.body as Buffer).toString());
    doc.annotations = { injected: 'yes' };
    const headers = { ...answer.headers };
    if (!keepHeader) delete headers['docker-content-digest'];
    return { ...answer, headers, body: Buffer.from(JSON.stringify(doc)) };
  };
  await withProxy({ alter }, async (proxy) => {
    const c = client();
    const repo = `${proxy.host}/${REPO}`;
    await assert.rejects(c.getManifest(`${repo}@${img.manifest.digest}`), { code: 'ERR_OCI_DIGEST', message: /hashing to sha256:/ });
    // By tag, the registry's own Docker-Content-Digest names other bytes than those received.
    await assert.rejects(c.getManifest(`${repo}:v1`), { code: 'ERR_OCI_DIGEST' });
    await assert.rejects(c.resolve(`${repo}:v1`), { code: 'ERR_OCI_DIGEST' });
    // Without the header, a tag names whatever arrived: the digest returned is of those bytes.
    keepHeader = false;
    const got = await c.getManifest(`${repo}:v1`);
    assert.notEqual(got.digest, img.manifest.digest);
    assert.equal(got.digest, digestOf(got.bytes));
    await assert.rejects(c.getManifest(`${repo}@${img.manifest.digest}`), { code: 'ERR_OCI_DIGEST' });
  });
});

test('RS-66: HEAD answering for another digest, and a Docker-Content-Digest that is not a digest', async () => {
  const other = digestOf(Buffer.from('other'));
  await withProxy(
    { alter: (req, answer) => (req.url.includes('/manifests/') ? { ...answer, headers: { ...answer.headers, 'docker-content-digest': req.method === 'HEAD' ? other : 'garbage' } } : undefined) },
    async (proxy) => {
      const repo = `${proxy.host}/${REPO}`;
      await assert.rejects(client().headManifest(`${repo}@${img.manifest.digest}`), { code: 'ERR_OCI_DIGEST' });
      await assert.rejects(client().getManifest(`${repo}:v1`), { code: 'ERR_OCI_DIGEST' });
    },
  );
});

test('RS-66: an altered blob fails its digest check, also when streamed to a file', async () => {
  const alter: ProxyHooks['alter'] = (req, answer) => {
    if (!isGet(req.method, req.url, 'blobs')) return undefined;
    const body = Buffer.from(answer.body as Buffer);
    body[0] = body[0]! ^ 1;
    return { ...answer, body };
  };
  await withProxy({ alter }, async (proxy) => {
    const layer = img.layers[0]!;
    await assert.rejects(client().getBlob(`${proxy.host}/${REPO}`, layer.digest), { code: 'ERR_OCI_DIGEST' });
    const stream = await client().openBlob(`${proxy.host}/${REPO}`, layer.digest);
    await assert.rejects(pipeline(stream, createWriteStream(join(dir, 'tampered'))), { code: 'ERR_OCI_DIGEST' });
  });
});

test('RS-69: an endless blob stops at the cap; a huge Content-Length is refused unread', async () => {
  let sent = 0;
  let declare = false;
  const chunk = Buffer.alloc(64 * 1024, 7);
  function* endless(): Generator<Buffer> {
    for (;;) {
      sent += chunk.length;
      yield chunk;
    }
  }
  await withProxy(
    {
      intercept: (req) =>
        isGet(req.method, req.url, 'blobs') || isGet(req.method, req.url, 'manifests')
          ? { status: 200, headers: { 'content-type': OCI_IMAGE_MANIFEST, ...(declare ? { 'content-length': String(10 * 1024 * MiB) } : {}) }, body: endless() }
          : undefined,
    },
    async (proxy) => {
      const repo = `${proxy.host}/${REPO}`;
      await assert.rejects(client().getBlob(repo, img.layers[0]!.digest, { maxBytes: MiB }), { code: 'ERR_OCI_LIMIT' });
      assert.ok(sent < 16 * MiB, `read ${sent} bytes for a 1 MiB cap`);
      await assert.rejects(client().getManifest(`${repo}:v1`), { code: 'ERR_OCI_LIMIT' });
      assert.ok(sent < 32 * MiB);
      declare = true;
      sent = 0;
      await assert.rejects(client().getBlob(repo, img.layers[0]!.digest), { code: 'ERR_OCI_LIMIT', message: /10737418240 bytes/ });
      assert.ok(sent < 16 * MiB);
    },
  );
});

test('timeouts: no answer, and a body that stalls', async () => {
  await withProxy(
    {
      intercept: (req) => {
        if (req.url.includes('/manifests/')) return new Promise<undefined>(() => undefined);
        async function* stall(): AsyncGenerator<Buffer> {
          yield Buffer.alloc(1000);
          await new Promise(() => undefined);
        }
        return { status: 200, headers: {}, body: stall() };
      },
    },
    async (proxy) => {
      // 800 ms: long enough that a busy shared machine does not turn "no data" into "no answer".
      const started = Date.now();
      await assert.rejects(client(800).getManifest(`${proxy.host}/a:b`), { code: 'ERR_OCI', message: /no answer within 800 ms/ });
      await assert.rejects(client(800).getBlob(`${proxy.host}/a`, img.layers[0]!.digest), { code: 'ERR_OCI', message: /no data for 800 ms/ });
      assert.ok(Date.now() - started < 6000);
    },
    undefined,
  );
});

test('RS-68: referrers API pages are followed, filtered, and capped', async () => {
  const subject = img.manifest.digest;
  const desc = (n: number, artifactType: string) => ({ mediaType: OCI_IMAGE_MANIFEST, digest: digestOf(Buffer.from(String(n))), size: n, artifactType });
  const SIG = 'application/vnd.dev.sigstore.bundle.v0.3+json';
  let mode: 'paged' | 'endless' | 'many' | 'html' = 'paged';
  const index = (manifests: unknown[], headers: Record<string, string> = {}): ProxyAnswer => ({
    status: 200,
    headers: { 'content-type': OCI_IMAGE_INDEX, ...headers },
    body: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests })),
  });
  await withProxy(
    {
      intercept: (req) => {
        const url = new URL(req.url, 'http://x');
        if (!url.pathname.includes('/referrers/')) return undefined;
        const page = Number(url.searchParams.get('page') ?? 0);
        if (mode === 'html') return { status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html>') };
        if (mode === 'many') return index(Array.from({ length: 600 }, (_, i) => desc(i, SIG)), { link: `<${url.pathname}?page=${page + 1}>; rel="next"` });
        if (mode === 'endless') return index([], { link: `<${url.pathname}?page=${page + 1}>; rel="next"` });
        return page === 0
          ? index([desc(1, SIG), desc(2, 'application/spdx+json')], { link: `<${url.pathname}?page=1>; rel="next"` })
          : index([desc(3, SIG)]);
      },
    },
    async (proxy) => {
      const c = client();
      const repo = `${proxy.host}/${REPO}`;
      const all = await c.getReferrers(repo, subject);
      assert.ok(all.supported);
      assert.deepEqual(all.manifests.map((d) => d.size), [1, 2, 3]);
      const sigs = await c.getReferrers(repo, subject, SIG);
      assert.ok(sigs.supported);
      assert.deepEqual(sigs.manifests.map((d) => d.size), [1, 3]);
      mode = 'endless';
      await assert.rejects(c.getReferrers(repo, subject), { code: 'ERR_OCI_LIMIT' });
      mode = 'many';
      await assert.rejects(c.getReferrers(repo, subject), { code: 'ERR_OCI_LIMIT', message: new RegExp(`more than ${MAX_DESCRIPTORS}`) });
      mode = 'html';
      await assert.rejects(c.getReferrers(repo, subject), { code: 'ERR_OCI', message: /expected an OCI index/ });
    },
  );
});

test('RS-68: endless or looping tag pagination stops', async () => {
  let mode: 'endless' | 'loop' = 'endless';
  await withProxy(
    {
      intercept: (req) => {
        const url = new URL(req.url, 'http://x');
        if (!url.pathname.endsWith('/tags/list')) return undefined;
        const page = Number(url.searchParams.get('last') ?? 0);
        const tags = Array.from({ length: 100 }, (_, i) => `t${page}-${i}`);
        const next = mode === 'loop' ? url.pathname : `${url.pathname}?last=${page + 1}`;
        return json({ name: REPO, tags }, { link: `<${next}>; rel="next"` });
      },
    },
    async (proxy) => {
      await assert.rejects(client().listTags(`${proxy.host}/${REPO}`), { code: 'ERR_OCI_LIMIT', message: /more than 10000 tags/ });
      mode = 'loop';
      await assert.rejects(client().listTags(`${proxy.host}/${REPO}`), { code: 'ERR_OCI', message: /links back/ });
    },
  );
});

test('plain HTTP only to loopback unless allowed; an upload Location on a remote http host is refused', async () => {
  assert.equal(new Transport().baseUrl('ghcr.io').href, 'https://ghcr.io/');
  assert.equal(new Transport().baseUrl('docker.io').href, 'https://registry-1.docker.io/');
  assert.equal(new Transport().baseUrl('localhost:5000').href, 'http://localhost:5000/');
  assert.equal(new Transport().baseUrl('[::1]:5000').href, 'http://[::1]:5000/');
  assert.equal(new Transport({ allowInsecure: true }).baseUrl('registry.lan:5000').href, 'http://registry.lan:5000/');
  for (const u of ['http://registry.example/v2/', 'http://10.0.0.1:5000/v2/', 'ftp://127.0.0.1/', 'https://user:pw@registry.example/']) {
    assert.throws(() => checkTransportUrl(new URL(u), false), { code: 'ERR_OCI' }, u);
  }
  checkTransportUrl(new URL('http://127.0.0.7:1/'), false);
  checkTransportUrl(new URL('http://registry.example/'), true);

  await withProxy(
    {
      alter: (req, answer) =>
        req.method === 'POST' && req.url.includes('/blobs/uploads/') ? { ...answer, headers: { ...answer.headers, location: 'http://192.0.2.1:5000/v2/upload?x=1' } } : undefined,
    },
    async (proxy) => {
      const started = Date.now();
      await assert.rejects(client().pushBlob(`${proxy.host}/${REPO}`, Buffer.from('fresh blob')), { code: 'ERR_OCI', message: /refusing http to 192\.0\.2\.1:5000/ });
      assert.ok(Date.now() - started < 2000);
    },
  );
});

test('registry error text is shown trimmed and printable only', async () => {
  await withProxy(
    {
      intercept: () => ({
        status: 500,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `boom\u001b[2J${'x'.repeat(1000)}` }] })),
      }),
    },
    async (proxy) => {
      await assert.rejects(client().getManifest(`${proxy.host}/a:b`), (err: any) => {
        assert.equal(err.code, 'ERR_OCI');
        assert.equal(err.details.status, 500);
        assert.match(err.message, /HTTP 500 \(UNKNOWN: boom\?\[2Jx+…\)/);
        assert.ok(err.message.length < 500);
        return true;
      });
    },
    undefined,
  );
});

test('a read that meets a transient 5xx is retried; a write is not', async () => {
  const seen: string[] = [];
  let failManifest = 2;
  await withProxy(
    {
      intercept: (req) => {
        seen.push(`${req.method} ${req.url.includes('/manifests/') ? 'manifest' : req.url.includes('/uploads/') ? 'upload' : 'other'}`);
        if (req.method === 'GET' && req.url.includes('/manifests/') && failManifest-- > 0) return { status: 503, headers: {}, body: Buffer.from('busy') };
        if (req.method === 'POST' && req.url.includes('/blobs/uploads/')) return { status: 500, headers: {}, body: Buffer.from('boom') };
        return undefined;
      },
    },
    async (proxy) => {
      const got = await client().getManifest(`${proxy.host}/${REPO}:v1`);
      assert.equal(got.digest, img.manifest.digest);
      assert.equal(seen.filter((s) => s === 'GET manifest').length, 3, 'two 503s, then the manifest');
      await assert.rejects(client().pushBlob(`${proxy.host}/${REPO}`, Buffer.from('another fresh blob')), { code: 'ERR_OCI', message: /HTTP 500/ });
      assert.equal(seen.filter((s) => s === 'POST upload').length, 1, 'an upload is never replayed');
    },
  );
});
