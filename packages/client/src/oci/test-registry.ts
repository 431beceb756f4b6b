/**
 * Test support (not exported from the package): a real registry (Debian's docker-registry)
 * on a free loopback port, a tampering proxy to put in front of it, and tiny images.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import bcrypt from 'bcryptjs';
import { digestOf } from './digest.js';
import {
  DOCKER_CONTAINER_CONFIG,
  DOCKER_LAYER_TAR_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  OCI_LAYER_TAR_GZIP,
} from './media-types.js';
import type { RegistryClient } from './registry.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface TestServer {
  /** `127.0.0.1:PORT`, usable as the registry part of a reference. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** htpasswd (Basic) authentication with this one account. */
  readonly auth?: { readonly user: string; readonly password: string };
}

/** Start docker-registry with filesystem storage in a temp dir; `stop()` kills it and removes the dir. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sigil-registry-'));
  try {
    if (options.auth) {
      // Cost 4 (bcrypt's minimum): the registry checks the hash on every request.
      await writeFile(join(dir, 'htpasswd'), `${options.auth.user}:${bcrypt.hashSync(options.auth.password, 4)}\n`);
    }
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const config = join(dir, 'config.yml');
      await writeFile(config, registryConfig(dir, port, options.auth !== undefined));
      const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr?.on('data', (d: Buffer) => {
        log = (log + d.toString('utf8')).slice(-8192);
      });
      const url = `http://127.0.0.1:${port}`;
      const up = await waitForRegistry(url, child);
      if (up) {
        return { host: `127.0.0.1:${port}`, url, stop: () => stopChild(child).finally(() => rm(dir, { recursive: true, force: true })) };
      }
      await stopChild(child);
      // Another process may have taken the port between probing and binding: try another.
      if (attempt === 2) throw new Error(`docker-registry did not start: ${log}`);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

// JSON strings are valid YAML scalars, which keeps odd temp paths safe.
function registryConfig(dir: string, port: number, auth: boolean): string {
  const q = JSON.stringify;
  return [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    'storage:',
    `  filesystem: { rootdirectory: ${q(join(dir, 'data'))} }`,
    '  delete: { enabled: true }',
    '  maintenance: { uploadpurging: { enabled: false } }',
    'http:',
    `  addr: ${q(`127.0.0.1:${port}`)}`,
    `  secret: ${q(randomBytes(16).toString('hex'))}`,
    ...(auth ? ['auth:', `  htpasswd: { realm: "sigil-test", path: ${q(join(dir, 'htpasswd'))} }`] : []),
    '',
  ].join('\n');
}

async function waitForRegistry(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// ---- A proxy to tamper with ----------------------------------------------------------

export interface ProxyRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  /** A Buffer gets a matching Content-Length; an iterable is sent chunked, for as long as it runs. */
  body: Buffer | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

export interface ProxyHooks {
  /** Answer without the registry; undefined forwards the request. */
  intercept?(req: ProxyRequest, self: TestServer): ProxyAnswer | undefined | Promise<ProxyAnswer | undefined>;
  /** Change the registry's answer before it is sent on. */
  alter?(req: ProxyRequest, answer: ProxyAnswer): ProxyAnswer | undefined;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'content-encoding']);

/** An HTTP front for `upstream` (or for nothing, when every request is intercepted). */
export async function startProxy(upstream: string | undefined, hooks: ProxyHooks = {}): Promise<TestServer> {
  const state: { self?: TestServer } = {};
  const server: Server = createServer((req, res) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const chunk of req) parts.push(chunk as Buffer);
      const request: ProxyRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(parts) };
      let answer = await hooks.intercept?.(request, state.self!);
      if (!answer) {
        if (!upstream) throw new Error(`proxy: nothing answers ${request.method} ${request.url}`);
        answer = await forward(upstream, state.self!.url, request);
        answer = hooks.alter?.(request, answer) ?? answer;
      }
      const headers = { ...answer.headers };
      if (Buffer.isBuffer(answer.body) && request.method !== 'HEAD') headers['content-length'] = String(answer.body.length);
      res.writeHead(answer.status, headers);
      if (request.method === 'HEAD') return res.end();
      if (Buffer.isBuffer(answer.body)) return res.end(answer.body);
      const body = Readable.from(answer.body);
      res.once('close', () => body.destroy());
      body.on('error', () => res.destroy());
      body.pipe(res);
    })().catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const self: TestServer = {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  state.self = self;
  return self;
}

async function forward(upstream: string, selfUrl: string, req: ProxyRequest): Promise<ProxyAnswer> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const hasBody = !['GET', 'HEAD'].includes(req.method);
  const res = await fetch(new URL(req.url, upstream), { method: req.method, headers, body: hasBody ? req.body : undefined, redirect: 'manual' });
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k) || (k === 'content-length' && req.method === 'HEAD')) out[k] = v;
  });
  // The registry writes absolute upload URLs naming itself; keep the client on the proxy.
  if (out.location) out.location = out.location.replace(new URL(upstream).origin, selfUrl);
  return { status: res.status, headers: out, body: Buffer.from(await res.arrayBuffer()) };
}

// ---- Tiny images ---------------------------------------------------------------------

export interface TestBlob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

export interface TestManifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Buffer;
}

export interface TestImage {
  readonly config: TestBlob;
  readonly layers: readonly TestBlob[];
  readonly manifest: TestManifest;
  readonly platform: { readonly os: string; readonly architecture: string };
}

export type ImageFormat = 'oci' | 'docker';

const blob = (mediaType: string, bytes: Buffer): TestBlob => ({ mediaType, digest: digestOf(bytes), size: bytes.length, bytes });
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const descriptorOf = (b: { mediaType: string; digest: string; size?: number; bytes: Buffer }): Record<string, unknown> => ({
  mediaType: b.mediaType,
  digest: b.digest,
  size: b.size ?? b.bytes.length,
});

/** An image of random "layers" (registries do not look inside) with a matching config. */
export function makeTestImage(
  options: { format?: ImageFormat; layers?: number; layerSize?: number; platform?: { os: string; architecture: string } } = {},
): TestImage {
  const format = options.format ?? 'oci';
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers = Array.from({ length: options.layers ?? 2 }, () =>
    blob(format === 'oci' ? OCI_LAYER_TAR_GZIP : DOCKER_LAYER_TAR_GZIP, randomBytes(options.layerSize ?? 1024)),
  );
  const config = blob(
    format === 'oci' ? OCI_IMAGE_CONFIG : DOCKER_CONTAINER_CONFIG,
    json({ ...platform, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} }),
  );
  const mediaType = format === 'oci' ? OCI_IMAGE_MANIFEST : DOCKER_MANIFEST;
  const bytes = json({ schemaVersion: 2, mediaType, config: descriptorOf(config), layers: layers.map(descriptorOf) });
  return { config, layers, manifest: { mediaType, digest: digestOf(bytes), bytes }, platform };
}

/** A multi-platform index (OCI) or manifest list (Docker) over `images`. */
export function makeTestIndex(images: readonly TestImage[], format: ImageFormat = 'oci'): TestManifest {
  const mediaType = format === 'oci' ? OCI_IMAGE_INDEX : DOCKER_MANIFEST_LIST;
  const bytes = json({
    schemaVersion: 2,
    mediaType,
    manifests: images.map((i) => ({ ...descriptorOf(i.manifest), platform: i.platform })),
  });
  return { mediaType, digest: digestOf(bytes), bytes };
}

/** Push blobs then manifest (by digest, and by `tag` when given); returns the manifest digest. */
export async function pushTestImage(client: RegistryClient, repo: string, image: TestImage, tag?: string): Promise<string> {
  for (const b of [image.config, ...image.layers]) await client.pushBlob(repo, b.bytes);
  const digest = await client.putManifest(repo, image.manifest.digest, image.manifest.bytes, image.manifest.mediaType);
  if (tag) await client.putManifest(repo, tag, image.manifest.bytes, image.manifest.mediaType);
  return digest;
}
