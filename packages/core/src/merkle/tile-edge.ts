import { foldPerfectRoots, rootFromLeafHashes } from './root.js';
import { HASH_SIZE, TILE_WIDTH, type TileId } from './tiles.js';

export interface TileWrite extends TileId {
  /** Concatenated hashes; TILE_WIDTH of them when the tile is full. */
  data: Buffer;
}

/**
 * The right edge of a tiled tree: the incomplete tile at every tile level. It is all
 * the state an appender needs (full tiles never change again), so restarting a log
 * means loading these few tiles, never re-hashing the leaves.
 */
export class TileEdge {
  #size: number;
  readonly #edge: Uint8Array[][];

  private constructor(size: number, edge: Uint8Array[][]) {
    this.#size = size;
    this.#edge = edge;
  }

  static empty(): TileEdge {
    return new TileEdge(0, [[]]);
  }

  /** The partial tiles a tree of `size` leaves needs, to load from storage. */
  static partialTiles(size: number): Array<TileId & { width: number }> {
    const out: Array<TileId & { width: number }> = [];
    for (let level = 0, per = 1; per <= size; level++, per *= TILE_WIDTH) {
      const hashes = Math.floor(size / per);
      const width = hashes % TILE_WIDTH;
      if (width > 0) out.push({ level, index: Math.floor(hashes / TILE_WIDTH), width });
    }
    return out;
  }

  /** Rebuild the edge from the partial tiles `partialTiles(size)` named, in that order. */
  static restore(size: number, tiles: readonly Uint8Array[]): TileEdge {
    const wanted = TileEdge.partialTiles(size);
    if (wanted.length !== tiles.length) throw new Error('restore needs exactly the partial tiles of the tree');
    const levels = Math.max(1, ...wanted.map((t) => t.level + 1));
    const edge: Uint8Array[][] = Array.from({ length: levels }, () => []);
    wanted.forEach((t, i) => {
      const data = tiles[i]!;
      if (data.length < t.width * HASH_SIZE) throw new Error(`tile ${t.level}/${t.index} is shorter than width ${t.width}`);
      edge[t.level] = splitHashes(data.subarray(0, t.width * HASH_SIZE));
    });
    return new TileEdge(size, edge);
  }

  get size(): number {
    return this.#size;
  }

  /** Append leaf hashes; returns every tile whose contents changed (full ones once, partial ones as of now). */
  append(leafHashes: readonly Uint8Array[]): TileWrite[] {
    const full: TileWrite[] = [];
    const touched = new Set<number>();
    for (const h of leafHashes) {
      this.#push(0, h, full, touched);
      this.#size++;
    }
    const partial: TileWrite[] = [];
    for (const level of touched) {
      const hashes = this.#edge[level]!;
      if (hashes.length === 0) continue;
      partial.push({ level, index: this.#edgeIndex(level), data: Buffer.concat(hashes) });
    }
    return [...full, ...partial];
  }

  #push(level: number, hash: Uint8Array, full: TileWrite[], touched: Set<number>): void {
    const row = (this.#edge[level] ??= []);
    row.push(hash);
    touched.add(level);
    if (row.length === TILE_WIDTH) {
      full.push({ level, index: this.#edgeIndex(level), data: Buffer.concat(row) });
      const up = rootFromLeafHashes(row);
      this.#edge[level] = [];
      this.#push(level + 1, up, full, touched);
    }
  }

  /** Index of the incomplete tile at `level`, counting the hash being added. */
  #edgeIndex(level: number): number {
    // Number of complete tiles already at this level = hashes before the edge / 256.
    let below = 0;
    for (let l = this.#edge.length - 1; l > level; l--) below = below * TILE_WIDTH + this.#edge[l]!.length;
    return below;
  }

  /** MTH of the whole tree (RFC 6962), from the edge alone. */
  root(): Buffer {
    const roots: Uint8Array[] = [];
    for (let level = this.#edge.length - 1; level >= 0; level--) {
      const row = this.#edge[level]!;
      let at = 0;
      for (let bit = 7; bit >= 0; bit--) {
        const n = 1 << bit;
        if (row.length & n) {
          roots.push(rootFromLeafHashes(row.slice(at, at + n)));
          at += n;
        }
      }
    }
    return foldPerfectRoots(roots);
  }
}

function splitHashes(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += HASH_SIZE) out.push(data.subarray(i, i + HASH_SIZE));
  return out;
}
