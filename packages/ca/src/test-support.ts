// Helpers for this package's tests: certificate decoding and a small OIDC issuer.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey as JoseKey } from 'jose';
import { readChildren, readElement } from './der.js';
import { x509 } from './x509.js';

export { x509 };

/** /work/shared/vectors/<parts> (shared/ sits beside the project root). */
export function vectorPath(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined) break;
    const up = dirname(dir);
    if (up === dir) throw new Error('project root not found');
    dir = up;
  }
  return resolve(dir, '../shared/vectors', ...parts);
}

export interface DecodedExtension {
  critical: boolean;
  value: Buffer;
}

export function extensionsOf(cert: x509.X509Certificate): Map<string, DecodedExtension> {
  const out = new Map<string, DecodedExtension>();
  for (const e of cert.extensions) {
    if (out.has(e.type)) throw new Error(`duplicate extension ${e.type}`);
    out.set(e.type, { critical: e.critical, value: Buffer.from(e.value) });
  }
  return out;
}

/** Sigstore extensions as the vectors write them: raw for .1–.6, a DER UTF8String otherwise. */
export function sigstoreExtensionsOf(cert: x509.X509Certificate): Record<string, { value: string; encoding: 'raw' | 'utf8string' }> {
  const out: Record<string, { value: string; encoding: 'raw' | 'utf8string' }> = {};
  for (const [oid, e] of extensionsOf(cert)) {
    if (!oid.startsWith('1.3.6.1.4.1.57264.1.')) continue;
    if (e.critical) throw new Error(`${oid} must not be critical`);
    const n = Number(oid.split('.').pop());
    if (n <= 6) {
      out[oid] = { value: e.value.toString('utf8'), encoding: 'raw' };
    } else {
      const el = readElement(e.value);
      if (el.tag !== 0x0c || el.rest.length !== 0) throw new Error(`${oid} is not a DER UTF8String`);
      out[oid] = { value: el.content.toString('utf8'), encoding: 'utf8string' };
    }
  }
  return out;
}

/** The single SAN: its GeneralName kind and value. */
export function sanOf(cert: x509.X509Certificate): { type: 'email' | 'uri' | 'otherName'; value: string; critical: boolean; count: number } {
  const e = extensionsOf(cert).get('2.5.29.17');
  if (!e) throw new Error('no SAN');
  const names = readChildren(readElement(e.value).content);
  const first = names[0]!;
  if (first.tag === 0x81) return { type: 'email', value: first.content.toString('ascii'), critical: e.critical, count: names.length };
  if (first.tag === 0x86) return { type: 'uri', value: first.content.toString('ascii'), critical: e.critical, count: names.length };
  if (first.tag === 0xa0) {
    const [oid, value] = readChildren(first.content);
    if (oid?.tag !== 0x06 || value?.tag !== 0xa0) throw new Error('bad otherName');
    const inner = readElement(value.content);
    if (inner.tag !== 0x0c) throw new Error('otherName value is not a UTF8String');
    return { type: 'otherName', value: inner.content.toString('utf8'), critical: e.critical, count: names.length };
  }
  throw new Error(`unexpected GeneralName tag ${first.tag}`);
}

export interface TestIssuer {
  /** Issuer URL (no trailing slash). */
  url: string;
  hits: { discovery: number; jwks: number };
  kid: string;
  publicJwk: JWK;
  /** Sign claims (iss defaults to this issuer; aud sigstore; iat now; exp now+5 min). */
  sign(claims: Record<string, unknown>, opts?: { kid?: string; key?: JoseKey; alg?: string; omit?: string[] }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real OIDC issuer on loopback: discovery for any path prefix (so `url/tenants/x`
 * is an issuer too) and one ES256 key in its JWKS. `redirectTo` makes discovery answer
 * 302 to that URL instead; `claimIssuer` makes discovery name another issuer.
 */
export async function startTestIssuer(opts: { redirectTo?: string; claimIssuer?: string } = {}): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'k1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const hits = { discovery: 0, jwks: 0 };
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.endsWith('/.well-known/openid-configuration')) {
      hits.discovery++;
      if (opts.redirectTo) {
        res.writeHead(302, { location: opts.redirectTo }).end();
        return;
      }
      const issuer = opts.claimIssuer ?? base + path.slice(0, -'/.well-known/openid-configuration'.length);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${base}/jwks`, id_token_signing_alg_values_supported: ['ES256'] }));
      return;
    }
    if (path === '/jwks') {
      hits.jwks++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${addr.port}`;
  return {
    url: base,
    hits,
    kid,
    publicJwk,
    async sign(claims, o = {}) {
      const now = Math.floor(Date.now() / 1000);
      const body: Record<string, unknown> = { iss: base, aud: 'sigstore', sub: 'subject', iat: now, exp: now + 300, ...claims };
      for (const k of o.omit ?? []) delete body[k];
      return new SignJWT(body).setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid ?? kid }).sign(o.key ?? privateKey);
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
