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
export class TileCache {
  readonly #tiles = new Map<string, Expanded>();
  constructor(
    private readonly capacity: number,
    private readonly load: (ids: readonly TileId[]) => Promise<Array<Buffer | undefined>>,
  ) {}

  /** Cache a tile; `nodes` (its perfect nodes, if the caller has them) saves hashing it again. */
  put(tile: TileId, data: Buffer, nodes?: Buffer[][]): void {
    const key = `${tile.level}/${tile.index}`;
    this.#tiles.delete(key);
    this.#tiles.set(key, { width: data.length / 32, levels: pack(nodes ?? expandTile(data)) });
    if (this.#tiles.size > this.capacity) {
      const oldest = this.#tiles.keys().next().value;
      if (oldest !== undefined) this.#tiles.delete(oldest);
    }
  }

  clear(): void {
    this.#tiles.clear();
  }

  #get(tile: TileId, need: number): Expanded | undefined {
    const key = `${tile.level}/${tile.index}`;
    const hit = this.#tiles.get(key);
    if (!hit || hit.width < need) return undefined;
    this.#tiles.delete(key);
    this.#tiles.set(key, hit);
    return hit;
  }

  /** A NodeReader over this cache, loading missing tiles from storage in one call. */
  readonly reader: NodeReader = async (nodes: readonly NodeId[]) => {
    const where = nodes.map((n) => tileForNode(n));
    const missing = new Map<string, TileId>();
    for (const w of where) {
      if (!this.#get(w.tile, w.from + w.count)) missing.set(`${w.tile.level}/${w.tile.index}`, w.tile);
    }
    if (missing.size > 0) {
      const ids = [...missing.values()];
      const data = await this.load(ids);
      ids.forEach((id, i) => {
        const d = data[i];
        if (d) this.put(id, d);
      });
    }
    return where.map((w) => {
      const t = this.#get(w.tile, w.from + w.count);
      const rise = Math.log2(w.count);
      const at = (w.from / w.count) * 32;
      const row = t?.levels[rise];
      const node = row && row.length >= at + 32 ? row.subarray(at, at + 32) : undefined;
      if (!node) throw new Error(`tile ${w.tile.level}/${w.tile.index} lacks node ${w.from}+${w.count}`);
      return node;
    });
  };
}
