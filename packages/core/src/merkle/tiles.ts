import { hashChildren } from './hash.js';
import { rootFromLeafHashes } from './root.js';
import type { NodeId } from './nodes.js';

/** C2SP tlog-tiles: tiles are 8 levels high and 256 hashes wide. */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
export const HASH_SIZE = 32;

export interface TileId {
  /** Tile level: level-L tiles hold tree level 8L hashes. */
  level: number;
  index: number;
}

/** `x001/x234/067` for 1234067 (C2SP tlog-tiles §"Tile index encoding"). */
export function encodeTileIndex(index: number): string {
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** Inverse of encodeTileIndex; undefined for anything that is not the canonical form. */
export function decodeTileIndex(path: string): number | undefined {
  const parts = path.split('/');
  if (parts.length === 0 || parts.length > 6) return undefined;
  let n = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const last = i === parts.length - 1;
    const m = last ? /^(\d{3})$/.exec(p) : /^x(\d{3})$/.exec(p);
    if (!m) return undefined;
    n = n * 1000 + Number(m[1]);
  }
  // A leading x000 group would be a second spelling of the same index.
  if (parts.length > 1 && parts[0] === 'x000') return undefined;
  return n;
}

export function tilePath(tile: TileId, width: number): string {
  const base = `tile/${tile.level}/${encodeTileIndex(tile.index)}`;
  return width === TILE_WIDTH ? base : `${base}.p/${width}`;
}

/** Width of tile `tile` in a tree of `size` leaves: 256 if full, 1–255 if partial, 0 if absent. */
export function tileWidth(tile: TileId, size: number): number {
  const hashesAtLevel = Math.floor(size / TILE_WIDTH ** tile.level);
  const full = Math.floor(hashesAtLevel / TILE_WIDTH);
  if (tile.index < full) return TILE_WIDTH;
  if (tile.index === full) return hashesAtLevel % TILE_WIDTH;
  return 0;
}

/** Which tile holds perfect node `node`, and which of its hashes the node spans. */
export function tileForNode(node: NodeId): { tile: TileId; from: number; count: number } {
  const level = Math.floor(node.level / TILE_HEIGHT);
  const rise = node.level % TILE_HEIGHT;
  const first = node.index * 2 ** rise; // index among level-8L hashes
  return { tile: { level, index: Math.floor(first / TILE_WIDTH) }, from: first % TILE_WIDTH, count: 2 ** rise };
}

/** The perfect node's hash from the tile holding it (`tile` is concatenated 32-byte hashes). */
export function nodeFromTile(tile: Uint8Array, from: number, count: number): Buffer {
  if ((from + count) * HASH_SIZE > tile.length) throw new RangeError('node lies beyond the tile');
  const hashes: Uint8Array[] = [];
  for (let i = from; i < from + count; i++) hashes.push(tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return rootFromLeafHashes(hashes);
}

/**
 * Every perfect node inside one tile: `levels[r][i]` is the node of rise r (2^r hashes of
 * the tile's base level) at position i. Built once per tile so that a proof costs lookups,
 * not up to 255 hashes per tile touched.
 */
export function expandTile(tile: Uint8Array): Buffer[][] {
  const base: Buffer[] = [];
  for (let i = 0; i + HASH_SIZE <= tile.length; i += HASH_SIZE) base.push(Buffer.from(tile.subarray(i, i + HASH_SIZE)));
  const levels: Buffer[][] = [base];
  for (let r = 1; r < TILE_HEIGHT; r++) {
    const below = levels[r - 1]!;
    const row: Buffer[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) row.push(hashChildren(below[i]!, below[i + 1]!));
    levels.push(row);
  }
  return levels;
}
