import { expandTile, tileForNode, type NodeId, type NodeReader, type TileId } from '@sigil/core';

interface Expanded {
  width: number;
  /** levels[r]: the tile's perfect nodes of rise r, concatenated (one allocation per rise). */
  levels: Buffer[];
}

function pack(nodes: Buffer[][]): Buffer[] {
  return nodes.map((row) => (row.length === 0 ? Buffer.alloc(0) : Buffer.concat(row)));
}

/**
 * Expanded tiles (every perfect node inside them), most recently used last. Full tiles
 * never change; an edge tile is replaced whenever a batch grows it.
 */
/** A tile's key: tile indexes stay below 2^45 (2^53 leaves), levels below 8. */
const keyOf = (tile: TileId): number => tile.index * 8 + tile.level;

export class TileCache {
  readonly #tiles = new Map<number, Expanded>();
  /** The tile touched last: proofs read several nodes of one tile in a row, and re-touching it changes nothing. */
  #last: { key: number; hit: Expanded } | undefined;
  constructor(
    private readonly capacity: number,
    private readonly load: (ids: readonly TileId[]) => Promise<Array<Buffer | undefined>>,
  ) {}

  /** Cache a tile; `nodes` (its perfect nodes, if the caller has them) saves hashing it again. */
  put(tile: TileId, data: Buffer, nodes?: Buffer[][]): void {
    const key = keyOf(tile);
    this.#tiles.delete(key);
    this.#last = undefined;
    this.#tiles.set(key, { width: data.length / 32, levels: pack(nodes ?? expandTile(data)) });
    if (this.#tiles.size > this.capacity) {
      const oldest = this.#tiles.keys().next().value;
      if (oldest !== undefined) this.#tiles.delete(oldest);
    }
  }

  clear(): void {
    this.#tiles.clear();
    this.#last = undefined;
  }

  #get(tile: TileId, need: number): Expanded | undefined {
    const key = keyOf(tile);
    if (this.#last?.key === key && this.#last.hit.width >= need) return this.#last.hit;
    const hit = this.#tiles.get(key);
    if (!hit || hit.width < need) return undefined;
    // Most recently used last.
    this.#tiles.delete(key);
    this.#tiles.set(key, hit);
    this.#last = { key, hit };
    return hit;
  }

  /** A NodeReader over this cache, loading missing tiles from storage in one call. */
  readonly reader: NodeReader = async (nodes: readonly NodeId[]) => {
    const where = nodes.map((n) => tileForNode(n));
    const found = where.map((w) => this.#get(w.tile, w.from + w.count));
    const missing = new Map<number, TileId>();
    where.forEach((w, i) => {
      if (!found[i]) missing.set(keyOf(w.tile), w.tile);
    });
    if (missing.size > 0) {
      const ids = [...missing.values()];
      const data = await this.load(ids);
      ids.forEach((id, i) => {
        const d = data[i];
        if (d) this.put(id, d);
      });
      where.forEach((w, i) => {
        found[i] ??= this.#get(w.tile, w.from + w.count);
      });
    }
    return where.map((w, i) => {
      const rise = Math.log2(w.count);
      const at = (w.from / w.count) * 32;
      const row = found[i]?.levels[rise];
      const node = row && row.length >= at + 32 ? row.subarray(at, at + 32) : undefined;
      if (!node) throw new Error(`tile ${w.tile.level}/${w.tile.index} lacks node ${w.from}+${w.count}`);
      return node;
    });
  };
}
