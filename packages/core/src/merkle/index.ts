export { EMPTY_ROOT, hashChildren, hashLeaf } from './hash.js';
export { foldPerfectRoots, referenceRoot, rootFromLeafHashes } from './root.js';
export { consistencyRanges, inclusionRanges, perfectNodes, type LeafRange, type NodeId } from './nodes.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';
export { proveConsistency, proveInclusion, rootAt, type NodeReader } from './prove.js';
export {
  HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, decodeTileIndex, encodeTileIndex, expandTile, nodeFromTile, tileForNode, tilePath, tileWidth,
  type TileId,
} from './tiles.js';
export { TileEdge, type TileWrite } from './tile-edge.js';
