/**
 * Test-only: a TUF repository laid out like Sigstore's (consistent snapshots, targets stored as
 * `<sha256>.<name>`), signed with fresh Ed25519 keys, and a loopback HTTP server for it.
 * Tests publish new versions, then break one file at a time. Not exported from the package.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';

type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';
const ROLES: readonly Role[] = ['root', 'targets', 'snapshot', 'timestamp'];
const DAY = 24 * 60 * 60 * 1000;

/**
 * securesystemslib's canonical JSON, which TUF signs: keys sorted, no whitespace, only `"`
 * and `\` escaped in strings, integers only. (Not RFC 8785, which escapes control characters.)
 */
export function tufCanonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError('canonical JSON has no floats');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (Array.isArray(value)) return `[${value.map(tufCanonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${tufCanonicalJson(k)}:${tufCanonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`cannot encode ${typeof value}`);
}

/** TUF's expiry format: RFC 3339 UTC to the second. */
export const tufTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

interface SigningKey {
  keyid: string;
  privateKey: KeyObject;
  json: { keytype: 'ed25519'; scheme: 'ed25519'; keyval: { public: string } };
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  const json = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: Buffer.from(x, 'base64url').toString('hex') } } as const;
  const keyid = createHash('sha256').update(tufCanonicalJson(json)).digest('hex');
  return { keyid, privateKey, json };
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const fileMeta = (version: number, bytes: Uint8Array): object => ({ version, length: bytes.length, hashes: { sha256: sha256(bytes) } });

export interface PublishOptions {
  /** Expiry per role for this publication; default a day from now. */
  expires?: Partial<Record<'targets' | 'snapshot' | 'timestamp', Date>>;
}

export class TestTufRepository {
  /** URL path below the repository base (no leading slash) → the bytes served there. */
  readonly files = new Map<string, Buffer>();
  readonly targets = new Map<string, Buffer>();
  private keys: Record<Role, SigningKey> = { root: newKey(), targets: newKey(), snapshot: newKey(), timestamp: newKey() };
  private version: Record<Role, number> = { root: 0, targets: 0, snapshot: 0, timestamp: 0 };

  constructor() {
    this.publishRoot([this.keys.root]);
  }

  /** The first root.json: what a client starts from. */
  get initialRoot(): string {
    return this.files.get('1.root.json')!.toString('utf8');
  }

  setTarget(name: string, content: string | Uint8Array): void {
    this.targets.set(name, Buffer.from(content));
  }

  /** The served path of a target, hash-prefixed as with consistent snapshots. */
  targetPath(name: string): string {
    const { dir, base } = posix.parse(name);
    const file = `${sha256(this.targets.get(name)!)}.${base}`;
    return `targets/${dir === '' ? file : `${dir}/${file}`}`;
  }

  /** Signs new targets, snapshot and timestamp versions over the current targets. */
  publish(options: PublishOptions = {}): void {
    const expires = (role: 'targets' | 'snapshot' | 'timestamp'): string =>
      tufTime(options.expires?.[role] ?? new Date(Date.now() + DAY));
    const targets: Record<string, object> = {};
    for (const [name, bytes] of this.targets) {
      targets[name] = { length: bytes.length, hashes: { sha256: sha256(bytes) } };
      this.files.set(this.targetPath(name), bytes);
    }
    const t = ++this.version.targets;
    const targetsBytes = this.signed('targets', { _type: 'targets', spec_version: '1.0', version: t, expires: expires('targets'), targets });
    this.files.set(`${t}.targets.json`, targetsBytes);
    const s = ++this.version.snapshot;
    const snapshotBytes = this.signed('snapshot', {
      _type: 'snapshot', spec_version: '1.0', version: s, expires: expires('snapshot'),
      meta: { 'targets.json': fileMeta(t, targetsBytes) },
    });
    this.files.set(`${s}.snapshot.json`, snapshotBytes);
    const timestampBytes = this.signed('timestamp', {
      _type: 'timestamp', spec_version: '1.0', version: ++this.version.timestamp, expires: expires('timestamp'),
      meta: { 'snapshot.json': fileMeta(s, snapshotBytes) },
    });
    this.files.set('timestamp.json', timestampBytes);
  }

  /** Gives `role` a new key in a new root version, signed by the old and the new root keys. */
  rotateKey(role: Role): void {
    const old = this.keys.root;
    this.keys[role] = newKey();
    this.publishRoot(role === 'root' ? [old, this.keys.root] : [this.keys.root]);
  }

  /** `timestamp.json` with one signed field changed after signing, so its signature no longer holds. */
  tamperTimestamp(): void {
    const doc = JSON.parse(this.files.get('timestamp.json')!.toString('utf8')) as { signed: { version: number } };
    doc.signed.version += 100;
    this.files.set('timestamp.json', Buffer.from(JSON.stringify(doc)));
  }

  async serve(): Promise<TestTufServer> {
    const server = new TestTufServer(this);
    await server.listen();
    return server;
  }

  private publishRoot(signers: SigningKey[]): void {
    const v = ++this.version.root;
    const keys = Object.fromEntries(ROLES.map((r) => [this.keys[r].keyid, this.keys[r].json]));
    const roles = Object.fromEntries(ROLES.map((r) => [r, { keyids: [this.keys[r].keyid], threshold: 1 }]));
    const signed = {
      _type: 'root', spec_version: '1.0', version: v, expires: tufTime(new Date(Date.now() + 365 * DAY)),
      consistent_snapshot: true, keys, roles,
    };
    this.files.set(`${v}.root.json`, this.document(signed, signers));
  }

  private signed(role: Role, signed: object): Buffer {
    return this.document(signed, [this.keys[role]]);
  }

  private document(signed: object, signers: SigningKey[]): Buffer {
    const payload = Buffer.from(tufCanonicalJson(signed));
    const signatures = signers.map((k) => ({ keyid: k.keyid, sig: sign(null, payload, k.privateKey).toString('hex') }));
    return Buffer.from(JSON.stringify({ signatures, signed }, null, 1));
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves a repository's files over loopback; tests can replace the answer for one path. */
export class TestTufServer {
  /** Every path requested, in order. */
  readonly requests: string[] = [];
  private readonly overrides = new Map<string, Handler>();
  private readonly server = createServer((req, res) => this.handle(req, res));
  url = '';

  constructor(private readonly repo: TestTufRepository) {}

  async listen(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  override(path: string, handler: Handler): void {
    this.overrides.set(path, handler);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
    this.requests.push(path);
    const override = this.overrides.get(path);
    if (override !== undefined) return override(req, res);
    const body = this.repo.files.get(path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  }
}
