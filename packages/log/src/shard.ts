import { EMPTY_ROOT, SigilError, TileEdge, rootAt, encodeBase64, encodeHex, formatCheckpoint, formatSignedNote, proveInclusion, signNote } from '@sigil/core';
import type { LogSigner } from './signer.js';
import type { LogStorage, ShardRecord, StoredEntry } from './storage/storage.js';
import { TileCache } from './tile-cache.js';

const TILE_CACHE_TILES = 8192; // ≈ 16 KiB each: every level-0 tile of a 2M-entry tree

/** One tree of the log in memory: its record, key, tile cache and (when active) its right edge. */
export class Shard {
  readonly cache: TileCache;
  edge: TileEdge | undefined;
  /** Global index of this shard's first entry: the sizes of all earlier shards. */
  offset: number;
  /** The tree ID as the 16 hex digits that start an entry's UUID; fixed for the shard's life. */
  readonly treeIdHex: string;
  /** Rekor's log ID (SHA-256 of the key's SPKI) in hex, as entries and SETs carry it. */
  readonly logIdHex: string;

  constructor(
    public record: ShardRecord,
    readonly signer: LogSigner,
    readonly storage: LogStorage,
    offset: number,
  ) {
    this.offset = offset;
    this.cache = new TileCache(TILE_CACHE_TILES, (ids) => storage.readTiles(record.seq, ids));
    // Both go into every entry answered: computed once rather than per entry.
    this.treeIdHex = BigInt(record.treeId).toString(16).padStart(16, '0');
    this.logIdHex = encodeHex(signer.logId);
  }

  /** Load the right edge from the stored partial tiles: the tree is never re-hashed at start-up. */
  async loadEdge(): Promise<void> {
    const wanted = TileEdge.partialTiles(this.record.size);
    const tiles = await this.storage.readTiles(this.record.seq, wanted);
    const missing = wanted.find((_, i) => !tiles[i]);
    if (missing) throw new Error(`shard ${this.record.treeId} is missing tile ${missing.level}/${missing.index}`);
    this.edge = TileEdge.restore(this.record.size, tiles as Buffer[]);
    const root = this.record.size === 0 ? EMPTY_ROOT : this.edge.root();
    if (!root.equals(this.record.root)) throw new Error(`shard ${this.record.treeId}: stored tiles do not match the stored root`);
  }

  /** Sign a checkpoint for (size, root) with this shard's origin and key. */
  signCheckpoint(size: number, root: Buffer): string {
    const text = formatCheckpoint({ origin: this.record.origin, size, rootHash: root, extensions: [] });
    return formatSignedNote(signNote(text, [this.signer.noteSigner(this.record.signerName)]));
  }

  /** The signed entry timestamp: the shard key over JCS({body, integratedTime, logID, logIndex}). */
  signEntryTimestamp(body: Buffer, integratedTime: number, globalIndex: number): Buffer {
    return this.signer.sign(entryTimestampPayload(body, integratedTime, this.logIdHex, globalIndex));
  }

  proveInclusion(index: number, size: number): Promise<Buffer[]> {
    return proveInclusion(index, size, this.cache.reader);
  }

  /** The Rekor v1 LogEntry for `entry`, proven against (size, checkpoint). */
  async view(entry: StoredEntry, at?: { size: number; root: Buffer; checkpoint: string }): Promise<{ id: string; entry: LogEntryJson }> {
    // A fresh entry is proven against its own batch's tree head (already hashed), a stored
    // one against the shard's latest.
    const { size, root, checkpoint } = at ?? this.record;
    const hashes = await this.proveInclusion(entry.index, size);
    return {
      id: this.treeIdHex + encodeHex(entry.leafHash),
      entry: {
        body: encodeBase64(entry.body),
        integratedTime: entry.integratedTime,
        logID: this.logIdHex,
        logIndex: this.offset + entry.index,
        verification: {
          inclusionProof: {
            checkpoint,
            hashes: hashes.map(encodeHex),
            logIndex: entry.index,
            rootHash: encodeHex(root),
            treeSize: size,
          },
          signedEntryTimestamp: encodeBase64(entry.set),
        },
      },
    };
  }

  async getEntryId(index: number): Promise<string> {
    const e = await this.storage.getEntry(this.record.seq, index);
    if (!e) throw new SigilError('ERR_NOT_FOUND', `no entry ${index} in tree ${this.record.treeId}`);
    return this.treeIdHex + encodeHex(e.leafHash);
  }

  rootAt(size: number): Promise<Buffer> {
    return rootAt(size, this.cache.reader);
  }
}

export interface LogEntryJson {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    inclusionProof: { checkpoint: string; hashes: string[]; logIndex: number; rootHash: string; treeSize: number };
    signedEntryTimestamp: string;
  };
}

/**
 * JCS({body, integratedTime, logID, logIndex}) written out directly: the shape is fixed, the
 * keys are already in JCS order, base64 and hex need no escaping and the numbers are safe
 * integers, so this equals canonicalJsonBytes of the object (a test holds it to that) at a
 * fraction of the cost of walking it, once per entry on the sequencer's thread.
 */
export function entryTimestampPayload(body: Buffer, integratedTime: number, logIdHex: string, logIndex: number): Buffer {
  if (!Number.isSafeInteger(integratedTime) || !Number.isSafeInteger(logIndex) || !/^[0-9a-f]*$/.test(logIdHex)) {
    throw new RangeError('entry timestamp fields out of range');
  }
  return Buffer.from(`{"body":"${body.toString('base64')}","integratedTime":${integratedTime},"logID":"${logIdHex}","logIndex":${logIndex}}`);
}
