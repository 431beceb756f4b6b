import { hashChildren } from './hash.js';
import { foldPerfectRoots } from './root.js';
import { HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, type TileId } from './tiles.js';

export interface TileWrite extends TileId {
  /** Concatenated hashes; TILE_WIDTH of them when the tile is full. */
  data: Buffer;
  /**
   * Every perfect node inside the tile as it stands (`nodes[r][i]`: rise r, position i),
   * so a cache can take the tile without hashing it again.
   */
  nodes: Buffer[][];
}

/**
 * The right edge of a tiled tree: the incomplete tile at every tile level, with the
 * perfect nodes inside each kept up to date as hashes arrive (about one hash per leaf).
 * It is all the state an appender needs (full tiles never change again), so restarting a
 * log means loading these few tiles, never re-hashing the leaves.
 */
export class TileEdge {
  #size: number;
  /** #rows[level][rise]: perfect nodes of the incomplete tile at `level`. */
  readonly #rows: Buffer[][][];

  private constructor(size: number, rows: Buffer[][][]) {
    this.#size = size;
    this.#rows = rows;
  }

  static empty(): TileEdge {
    return new TileEdge(0, [emptyRow()]);
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
    const rows: Buffer[][][] = Array.from({ length: levels }, emptyRow);
    const edge = new TileEdge(size, rows);
    wanted.forEach((t, i) => {
      const data = tiles[i]!;
      if (data.length < t.width * HASH_SIZE) throw new Error(`tile ${t.level}/${t.index} is shorter than width ${t.width}`);
      for (let k = 0; k < t.width; k++) edge.#add(rows[t.level]!, Buffer.from(data.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE)));
    });
    return edge;
  }

  get size(): number {
    return this.#size;
  }

  /** Append leaf hashes; returns every tile whose contents changed (full ones once, partial ones as of now). */
  append(leafHashes: readonly Uint8Array[]): TileWrite[] {
    const full: TileWrite[] = [];
    const touched = new Set<number>();
    for (const h of leafHashes) {
      this.#push(0, Buffer.from(h.buffer, h.byteOffset, h.byteLength), full, touched);
      this.#size++;
    }
    const partial: TileWrite[] = [];
    for (const level of touched) {
      const row = this.#rows[level]!;
      if (row[0]!.length === 0) continue;
      partial.push({ level, index: this.#edgeIndex(level), data: Buffer.concat(row[0]!), nodes: row.map((r) => r.slice()) });
    }
    return [...full, ...partial];
  }

  #push(level: number, hash: Buffer, full: TileWrite[], touched: Set<number>): void {
    const row = (this.#rows[level] ??= emptyRow());
    this.#add(row, hash);
    touched.add(level);
    if (row[0]!.length === TILE_WIDTH) {
      full.push({ level, index: this.#edgeIndex(level), data: Buffer.concat(row[0]!), nodes: row.map((r) => r.slice()) });
      const top = row[TILE_HEIGHT - 1]!;
      const up = hashChildren(top[0]!, top[1]!);
      this.#rows[level] = emptyRow();
      this.#push(level + 1, up, full, touched);
    }
  }

  /** Add a hash to a tile's base row and complete any perfect nodes it finishes. */
  #add(row: Buffer[][], hash: Buffer): void {
    row[0]!.push(hash);
    for (let r = 1; r < TILE_HEIGHT; r++) {
      const below = row[r - 1]!;
      const here = row[r]!;
      if (below.length < 2 * (here.length + 1)) break;
      here.push(hashChildren(below[2 * here.length]!, below[2 * here.length + 1]!));
    }
  }

  /** Index of the incomplete tile at `level`, counting the hash being added. */
  #edgeIndex(level: number): number {
    // Complete tiles at this level = hashes at the level above = what the rows above hold.
    let below = 0;
    for (let l = this.#rows.length - 1; l > level; l--) below = below * TILE_WIDTH + this.#rows[l]![0]!.length;
    return below;
  }

  /** MTH of the whole tree (RFC 6962), from the edge's perfect nodes alone. */
  root(): Buffer {
    const roots: Uint8Array[] = [];
    for (let level = this.#rows.length - 1; level >= 0; level--) {
      const row = this.#rows[level]!;
      const width = row[0]!.length;
      let at = 0;
      for (let bit = TILE_HEIGHT - 1; bit >= 0; bit--) {
        const n = 1 << bit;
        if (width & n) {
          roots.push(row[bit]![at >> bit]!);
          at += n;
        }
      }
    }
    return foldPerfectRoots(roots);
  }
}

function emptyRow(): Buffer[][] {
  return Array.from({ length: TILE_HEIGHT }, () => []);
}
