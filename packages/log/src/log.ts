import { randomBytes, createHash } from 'node:crypto';
import {
  EMPTY_ROOT, SigilError, decodeBase64, decodePemBlocks, encodeHex, encodePem, proveConsistency,
} from '@sigil/core';
import { inlineAdmission, workerAdmission, type Admission } from './admission.js';
import { DataDir } from './data-dir.js';
import { DuplicateEntryError, Sequencer, type Clock } from './sequencer.js';
import { Shard, type LogEntryJson } from './shard.js';
import { generateLogKeyPem, loadLogSigner, type LogKeyType } from './signer.js';
import { SqliteStorage } from './storage/sqlite.js';
import type { LogStorage, ShardRecord } from './storage/storage.js';

export interface LogOptions {
  /** Data directory (created if missing). */
  dataDir: string;
  /** Public base URL; fixed at first start (checkpoint origin and signer name derive from it). */
  publicUrl?: string;
  /** PEM private key for the first shard (first start only). */
  keyPem?: string;
  keyType?: LogKeyType;
  /** Entries per durable commit, at most. */
  maxBatch?: number;
  /** Entries waiting for a commit before new ones get 503. */
  maxQueue?: number;
  /** Worker threads for entry verification; 0 verifies on the main thread. */
  verifyWorkers?: number;
  clock?: Clock;
  /** Storage driver; SQLite in the data directory by default. */
  storage?: LogStorage;
  /** Told about slow one-time work at open (an upgrade of the SQLite layout). */
  onNotice?: (message: string) => void;
}

export interface ShardInfo {
  rootHash: string;
  treeSize: number;
  signedTreeHead: string;
  treeID: string;
}

export interface LogInfo extends ShardInfo {
  inactiveShards: ShardInfo[];
}

export interface SearchQuery {
  hash?: string;
  publicKey?: { format: string; content?: string };
  email?: string;
  subject?: string;
  operator?: 'and' | 'or';
}

export type EntryMap = Record<string, LogEntryJson>;

const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };
export const MAX_SEARCH_RESULTS = 1000;

/** A sharded transparency log: reads from every shard, writes to the active one. */
export class TransparencyLog {
  private constructor(
    readonly dir: DataDir,
    readonly storage: LogStorage,
    readonly shards: Shard[],
    readonly sequencer: Sequencer,
    readonly admission: Admission,
    readonly publicUrl: string,
    private readonly clock: Clock,
  ) {}

  static async open(opts: LogOptions): Promise<TransparencyLog> {
    const dir = new DataDir(opts.dataDir);
    dir.ensure();
    let identity = dir.readIdentity();
    if (!identity) {
      identity = { publicUrl: normalizeUrl(opts.publicUrl ?? 'http://localhost:3000'), createdAt: new Date().toISOString() };
      dir.writeIdentity(identity);
    }
    const storage = opts.storage ?? new SqliteStorage(dir.dbFile, opts.onNotice ? { onUpgrade: opts.onNotice } : {});
    const clock = opts.clock ?? systemClock;
    let records = await storage.listShards();
    if (records.length === 0) {
      const first = newShardRecord(0, identity.publicUrl, clock.now());
      dir.writeKey(first.keyFile, opts.keyPem ?? generateLogKeyPem(opts.keyType));
      loadLogSigner(dir.readKey(first.keyFile)); // refuse a bad key before it is recorded
      await storage.rotate(undefined, first);
      records = await storage.listShards();
    }
    const shards: Shard[] = [];
    let offset = 0;
    for (const r of records) {
      shards.push(new Shard(r, loadLogSigner(dir.readKey(r.keyFile)), storage, offset));
      offset += r.size;
    }
    const active = shards[shards.length - 1]!;
    if (active.record.frozen) throw new SigilError('ERR_CONFIG', 'the newest shard is frozen: storage is inconsistent');
    await active.loadEdge();
    const sequencer = new Sequencer(active, clock, { maxBatch: opts.maxBatch ?? 1024, maxQueue: opts.maxQueue ?? 20000 });
    const admission = (opts.verifyWorkers ?? 0) > 0 ? workerAdmission(opts.verifyWorkers) : inlineAdmission();
    return new TransparencyLog(dir, storage, shards, sequencer, admission, identity.publicUrl, clock);
  }

  readonly #rotateListeners: Array<() => void> = [];

  /** Called after every shard rotation (a stack rewrites its trusted root then). */
  onRotate(listener: () => void): void {
    this.#rotateListeners.push(listener);
  }

  get active(): Shard {
    return this.sequencer.active;
  }

  /** Admit, sequence and durably store one proposed entry; answers with its LogEntry. */
  async addEntry(raw: string): Promise<{ id: string; entry: LogEntryJson }> {
    const leaf = await this.admission.admit(raw);
    const done = await this.sequencer.submit(leaf);
    return done.shard.view(done.entry, done);
  }

  /** 80-hex entry ID of an existing entry (for a 409 answer). */
  duplicateId(err: DuplicateEntryError): Promise<string> {
    return err.shard.getEntryId(err.index);
  }

  #shardByTreeId(treeId: string): Shard | undefined {
    return this.shards.find((s) => s.record.treeId === treeId);
  }

  async entryByIndex(globalIndex: number): Promise<EntryMap | undefined> {
    for (const s of this.shards) {
      if (globalIndex >= s.offset && globalIndex < s.offset + s.record.size) {
        const e = await this.storage.getEntry(s.record.seq, globalIndex - s.offset);
        if (!e) return undefined;
        const v = await s.view(e);
        return { [v.id]: v.entry };
      }
    }
    return undefined;
  }

  /** By 64-hex UUID (any shard) or 80-hex entry ID (that tree only). */
  async entryByUuid(uuid: string): Promise<EntryMap | undefined> {
    const id = uuid.toLowerCase();
    if (!/^([0-9a-f]{16})?[0-9a-f]{64}$/.test(id)) throw new SigilError('ERR_BAD_REQUEST', 'entry UUID must be 64 or 80 hex characters');
    const leafHash = Buffer.from(id.slice(-64), 'hex');
    let candidates = this.shards;
    if (id.length === 80) {
      const tree = BigInt(`0x${id.slice(0, 16)}`).toString();
      candidates = this.shards.filter((s) => s.record.treeId === tree);
    }
    for (const s of candidates) {
      const [ref] = await this.storage.findLeaf(leafHash, s.record.seq);
      if (!ref) continue;
      const e = await this.storage.getEntry(s.record.seq, ref.index);
      if (!e || e.index >= s.record.size) continue;
      const v = await s.view(e);
      return { [v.id]: v.entry };
    }
    return undefined;
  }

  info(): LogInfo {
    const view = (s: Shard): ShardInfo => ({
      rootHash: encodeHex(s.record.size === 0 ? EMPTY_ROOT : s.record.root),
      treeSize: s.record.size,
      signedTreeHead: s.record.checkpoint || s.signCheckpoint(0, EMPTY_ROOT),
      treeID: s.record.treeId,
    });
    const active = this.active;
    return { ...view(active), inactiveShards: this.shards.filter((s) => s !== active).map(view) };
  }

  async consistency(firstSize: number, lastSize: number, treeId?: string): Promise<{ rootHash: string; hashes: string[] }> {
    const shard = treeId === undefined ? this.active : this.#shardByTreeId(treeId);
    if (!shard) throw new SigilError('ERR_BAD_REQUEST', `unknown treeID ${treeId ?? ''}`);
    if (firstSize > lastSize) throw new SigilError('ERR_BAD_REQUEST', `firstSize ${firstSize} is greater than lastSize ${lastSize}`);
    if (lastSize > shard.record.size) throw new SigilError('ERR_BAD_REQUEST', `lastSize ${lastSize} is greater than the tree size ${shard.record.size}`);
    const hashes = await proveConsistency(firstSize, lastSize, shard.cache.reader);
    const root = lastSize === 0 ? EMPTY_ROOT : await shard.rootAt(lastSize);
    return { rootHash: encodeHex(root), hashes: hashes.map(encodeHex) };
  }

  publicKeyPem(treeId?: string): string {
    const shard = treeId === undefined ? this.active : this.#shardByTreeId(treeId);
    if (!shard) throw new SigilError('ERR_NOT_FOUND', `unknown treeID ${treeId ?? ''}`);
    return encodePem('PUBLIC KEY', shard.signer.spki);
  }

  /** Rekor's search index: entry IDs matching a digest, a public key, an email or any SAN. */
  async search(q: SearchQuery): Promise<string[]> {
    const keys: string[] = [];
    if (q.hash !== undefined) keys.push(normalizeHashKey(q.hash));
    if (q.publicKey !== undefined) keys.push(...publicKeyKeys(q.publicKey));
    if (q.email !== undefined) keys.push(q.email.toLowerCase());
    if (q.subject !== undefined) keys.push(q.subject.toLowerCase());
    if (keys.length === 0) throw new SigilError('ERR_BAD_REQUEST', 'search needs at least one of hash, publicKey, email, subject');
    // A public key is indexed under more than one spelling; any of them counts as that one criterion.
    const refs = await this.#searchKeys(q, keys);
    const ids: string[] = [];
    for (const r of refs) {
      const s = this.shards[r.shardSeq];
      if (!s || r.index >= s.record.size) continue;
      ids.push(await s.getEntryId(r.index));
    }
    return ids;
  }

  async #searchKeys(q: SearchQuery, keys: string[]): Promise<Array<{ shardSeq: number; index: number }>> {
    const op = q.operator ?? 'or';
    if (op === 'or' || q.publicKey === undefined) return this.storage.search(keys, op, MAX_SEARCH_RESULTS);
    const pk = publicKeyKeys(q.publicKey);
    const others = keys.filter((k) => !pk.includes(k));
    const withKey = await this.storage.search(pk, 'or', MAX_SEARCH_RESULTS * 10);
    if (others.length === 0) return withKey.slice(0, MAX_SEARCH_RESULTS);
    const rest = new Set((await this.storage.search(others, 'and', MAX_SEARCH_RESULTS * 10)).map((r) => `${r.shardSeq}:${r.index}`));
    return withKey.filter((r) => rest.has(`${r.shardSeq}:${r.index}`)).slice(0, MAX_SEARCH_RESULTS);
  }

  /**
   * Freeze the active shard at a final signed checkpoint and open a new tree (with a new
   * key if given) between two batches: no write in flight fails.
   */
  async rotate(opts: { keyPem?: string } = {}): Promise<{ frozen: ShardInfo; active: ShardInfo }> {
    if (opts.keyPem) loadLogSigner(opts.keyPem); // a bad key fails before anything changes
    const frozenBefore = this.active;
    await this.sequencer.rotate(async (active) => {
      const final = active.signCheckpoint(active.record.size, active.record.size === 0 ? EMPTY_ROOT : active.record.root);
      const next = newShardRecord(active.record.seq + 1, this.publicUrl, this.clock.now());
      if (opts.keyPem) this.dir.writeKey(next.keyFile, opts.keyPem);
      else next.keyFile = active.record.keyFile;
      await this.storage.rotate({ seq: active.record.seq, checkpoint: final }, next);
      active.record = { ...active.record, frozen: true, checkpoint: final };
      active.edge = undefined;
      const shard = new Shard(next, loadLogSigner(this.dir.readKey(next.keyFile)), this.storage, active.offset + active.record.size);
      await shard.loadEdge();
      this.shards.push(shard);
      return shard;
    });
    for (const l of this.#rotateListeners) l();
    const info = this.info();
    const frozen = info.inactiveShards.find((s) => s.treeID === frozenBefore.record.treeId)!;
    return { frozen, active: { rootHash: info.rootHash, treeSize: info.treeSize, signedTreeHead: info.signedTreeHead, treeID: info.treeID } };
  }

  async close(): Promise<void> {
    await this.sequencer.drain();
    await this.admission.close();
    await this.storage.close();
  }
}

function newShardRecord(seq: number, publicUrl: string, now: number): ShardRecord {
  // Rekor tree IDs are positive int63; 0 is invalid.
  let treeId = 0n;
  while (treeId === 0n) treeId = BigInt(`0x${randomBytes(8).toString('hex')}`) & 0x7fffffffffffffffn;
  const host = new URL(publicUrl).host;
  return {
    seq, treeId: treeId.toString(), keyFile: `shard-${treeId.toString()}.pem`, origin: `${host} - ${treeId.toString()}`,
    signerName: host, frozen: false, size: 0, root: EMPTY_ROOT, checkpoint: '', lastIntegratedTime: 0, createdAt: now,
  };
}

export function normalizeUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SigilError('ERR_CONFIG', `not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SigilError('ERR_CONFIG', `public URL must be http or https: ${url}`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

const HASH_LENGTHS: Record<number, string> = { 40: 'sha1', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

function normalizeHashKey(hash: string): string {
  const h = hash.toLowerCase();
  const m = /^(?:(sha1|sha256|sha384|sha512):)?([0-9a-f]+)$/.exec(h);
  const alg = m?.[2] ? HASH_LENGTHS[m[2].length] : undefined;
  if (!m?.[2] || !alg || (m[1] !== undefined && m[1] !== alg)) throw new SigilError('ERR_BAD_REQUEST', 'hash must be "<sha1|sha256|sha384|sha512>:<hex>" or bare hex of that length');
  return `${alg}:${m[2]}`;
}

/** Index keys a public key (or certificate) query matches: SHA-256 of its canonical PEM. */
function publicKeyKeys(pk: { format: string; content?: string }): string[] {
  if (pk.format !== 'x509') throw new SigilError('ERR_BAD_REQUEST', `publicKey format ${pk.format} is not supported (x509 only)`);
  if (!pk.content) throw new SigilError('ERR_BAD_REQUEST', 'publicKey.content is required');
  const raw = decodeBase64(pk.content, 'publicKey.content');
  const text = raw.toString('utf8');
  const blocks = text.includes('-----BEGIN') ? decodePemBlocks(text) : [{ type: 'PUBLIC KEY', der: raw }];
  const block = blocks[0];
  if (!block || (block.type !== 'PUBLIC KEY' && block.type !== 'CERTIFICATE')) throw new SigilError('ERR_BAD_REQUEST', 'publicKey.content must be a PEM or DER public key or certificate');
  const canonical = encodePem(block.type, block.der);
  const hex = createHash('sha256').update(canonical).digest('hex');
  return [hex, `sha256:${hex}`];
}
