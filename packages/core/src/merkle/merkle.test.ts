import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { SigilError } from '../errors.js';
import { decodeBase64 } from '../encoding/base64.js';
import { decodeHex, encodeHex } from '../encoding/hex.js';
import {
  EMPTY_ROOT, TILE_WIDTH, TileEdge, decodeTileIndex, encodeTileIndex, hashChildren, hashLeaf, nodeFromTile, proveConsistency,
  proveInclusion, referenceRoot, rootAt, rootFromLeafHashes, tileForNode, tilePath, tileWidth, verifyConsistency, verifyInclusion,
  type NodeId, type NodeReader, type TileWrite,
} from './index.js';
import { vectorsDir, prng } from '../test-support.js';

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

const MERKLE = vectorsDir('merkle');

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJson(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Runs `fn`; 'ok' if it returns, 'rejected' if it throws SigilError ERR_MERKLE_PROOF (anything else fails the test). */
function verdict(fn: () => void): 'ok' | 'rejected' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof SigilError, `expected a SigilError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_MERKLE_PROOF');
    return 'rejected';
  }
}

function leafHashesFor(count: number, salt = 'leaf'): Buffer[] {
  return Array.from({ length: count }, (_, i) => hashLeaf(Buffer.from(`${salt}-${i}`)));
}

/** All perfect nodes of a tree, level by level, built straight from the leaf hashes. */
class MemTree {
  readonly levels: Buffer[][];
  reads = 0;
  constructor(leafHashes: readonly Buffer[]) {
    this.levels = [leafHashes.slice()];
    for (let row = this.levels[0]!; row.length > 1; ) {
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < row.length; i += 2) next.push(hashChildren(row[i]!, row[i + 1]!));
      this.levels.push(next);
      row = next;
    }
  }
  node(level: number, index: number): Buffer {
    const h = this.levels[level]?.[index];
    if (!h) throw new Error(`no perfect node ${level}/${index}`);
    return h;
  }
  /** A reader that refuses any node not wholly inside the first `size` leaves. */
  reader(size: number): NodeReader {
    return (nodes: readonly NodeId[]) => {
      this.reads++;
      return nodes.map(({ level, index }) => {
        assert.ok((index + 1) * 2 ** level <= size, `node ${level}/${index} lies outside a tree of size ${size}`);
        return this.node(level, index);
      });
    };
  }
}

const hex = (b: Uint8Array): string => encodeHex(b);
const hexAll = (bs: readonly Uint8Array[]): string[] => bs.map(hex);

// ---------------------------------------------------------------------------------------
// (a) tree.json
// ---------------------------------------------------------------------------------------

interface TreeJson {
  leafInputs: string[];
  leafHashes: string[];
  nodeHashes: string[][];
  roots: string[];
}

const tree = readJson<TreeJson>(path.join(MERKLE, 'tree.json'));
const treeLeafHashes = tree.leafInputs.map((h) => hashLeaf(decodeHex(h)));

void test('tree.json: leaf hashes are SHA-256(0x00 || leaf input)', () => {
  assert.equal(tree.leafInputs.length, 8);
  assert.deepEqual(hexAll(treeLeafHashes), tree.leafHashes);
});

void test('tree.json: every root for n = 0..8 matches rootFromLeafHashes and referenceRoot', () => {
  assert.equal(tree.roots.length, 9);
  assert.equal(tree.roots[0], hex(EMPTY_ROOT));
  assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  for (let n = 0; n <= 8; n++) {
    assert.equal(hex(rootFromLeafHashes(treeLeafHashes.slice(0, n))), tree.roots[n], `rootFromLeafHashes n=${n}`);
    assert.equal(hex(referenceRoot(tree.leafInputs.slice(0, n).map((h) => decodeHex(h)))), tree.roots[n], `referenceRoot n=${n}`);
  }
});

void test('tree.json: every node hash is the root of its complete aligned subtree', () => {
  const mem = new MemTree(treeLeafHashes);
  let count = 0;
  tree.nodeHashes.forEach((row, level) => {
    row.forEach((want, index) => {
      assert.equal(hex(mem.node(level, index)), want, `node ${level}/${index}`);
      const span = 2 ** level;
      assert.equal(hex(rootFromLeafHashes(treeLeafHashes.slice(index * span, (index + 1) * span))), want);
      count++;
    });
  });
  assert.equal(count, 8 + 4 + 2 + 1);
});

void test('tree.json: rootAt over perfect nodes gives every root', async () => {
  const mem = new MemTree(treeLeafHashes);
  for (let n = 0; n <= 8; n++) assert.equal(hex(await rootAt(n, mem.reader(n))), tree.roots[n]);
});

// ---------------------------------------------------------------------------------------
// (b) all-proofs.json (hex)
// ---------------------------------------------------------------------------------------

interface HexInclusion {
  leafIdx: number;
  treeSize: number;
  leafHash: string;
  root: string;
  proof: string[];
  wantErr: boolean;
  desc?: string;
}
interface HexConsistency {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
  wantErr: boolean;
  desc?: string;
}

const allProofs = readJson<{ inclusion: HexInclusion[]; consistency: HexConsistency[] }>(path.join(MERKLE, 'all-proofs.json'));

void test('all-proofs.json: every inclusion case gives the verdict wantErr says', () => {
  assert.equal(allProofs.inclusion.length, 36 + 70);
  assert.equal(allProofs.inclusion.filter((c) => !c.wantErr).length, 36);
  for (const c of allProofs.inclusion) {
    const got = verdict(() => verifyInclusion(c.leafIdx, c.treeSize, decodeHex(c.leafHash), c.proof.map((h) => decodeHex(h)), decodeHex(c.root)));
    assert.equal(got, c.wantErr ? 'rejected' : 'ok', `inclusion ${c.leafIdx}/${c.treeSize} ${c.desc ?? ''}`);
  }
});

void test('all-proofs.json: every consistency case gives the verdict wantErr says', () => {
  assert.equal(allProofs.consistency.length, 36 + 56);
  assert.equal(allProofs.consistency.filter((c) => !c.wantErr).length, 36);
  for (const c of allProofs.consistency) {
    const got = verdict(() => verifyConsistency(c.size1, c.size2, c.proof.map((h) => decodeHex(h)), decodeHex(c.root1), decodeHex(c.root2)));
    assert.equal(got, c.wantErr ? 'rejected' : 'ok', `consistency ${c.size1}->${c.size2} ${c.desc ?? ''}`);
  }
});

void test('all-proofs.json: generated inclusion proofs equal every valid expected proof', async () => {
  const mem = new MemTree(treeLeafHashes);
  for (const c of allProofs.inclusion.filter((x) => !x.wantErr)) {
    assert.equal(hex(treeLeafHashes[c.leafIdx]!), c.leafHash);
    assert.equal(c.root, tree.roots[c.treeSize]);
    const before = mem.reads;
    const proof = await proveInclusion(c.leafIdx, c.treeSize, mem.reader(c.treeSize));
    assert.equal(mem.reads - before, 1, 'one round trip to the node reader');
    assert.deepEqual(hexAll(proof), c.proof, `inclusion ${c.leafIdx}/${c.treeSize}`);
  }
});

void test('all-proofs.json: generated consistency proofs equal every valid expected proof', async () => {
  const mem = new MemTree(treeLeafHashes);
  for (const c of allProofs.consistency.filter((x) => !x.wantErr)) {
    assert.equal(c.root1, tree.roots[c.size1]);
    assert.equal(c.root2, tree.roots[c.size2]);
    const proof = await proveConsistency(c.size1, c.size2, mem.reader(c.size2));
    assert.deepEqual(hexAll(proof), c.proof, `consistency ${c.size1}->${c.size2}`);
  }
});

// ---------------------------------------------------------------------------------------
// (c) upstream transparency-dev probes (base64; null/empty on purpose)
// ---------------------------------------------------------------------------------------

interface B64Inclusion {
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: Array<string | null> | null;
  desc: string;
  wantErr: boolean;
}
interface B64Consistency {
  size1: number;
  size2: number;
  root1: string | null;
  root2: string | null;
  proof: Array<string | null> | null;
  desc: string;
  wantErr: boolean;
}

const b64 = (s: string | null): Buffer => (s === null ? Buffer.alloc(0) : decodeBase64(s));
const b64List = (l: Array<string | null> | null): Buffer[] => (l ?? []).map(b64);

void test('upstream inclusion probes (merkle/inclusion/**) all give their wantErr verdict', async (t) => {
  const files = listJson(path.join(MERKLE, 'inclusion'));
  const cases = files.map((f) => ({ f, c: readJson<B64Inclusion>(f) }));
  assert.equal(cases.length, 98);
  assert.equal(cases.filter(({ c }) => !c.wantErr).length, 6);
  for (const { f, c } of cases) {
    await t.test(path.relative(MERKLE, f), () => {
      const got = verdict(() => verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), b64List(c.proof), b64(c.root)));
      assert.equal(got, c.wantErr ? 'rejected' : 'ok', c.desc);
    });
  }
});

void test('upstream consistency probes (merkle/consistency/**) all give their wantErr verdict', async (t) => {
  const files = listJson(path.join(MERKLE, 'consistency'));
  const cases = files.map((f) => ({ f, c: readJson<B64Consistency>(f) }));
  assert.equal(cases.length, 98);
  assert.equal(cases.filter(({ c }) => !c.wantErr).length, 6);
  for (const { f, c } of cases) {
    await t.test(path.relative(MERKLE, f), () => {
      const got = verdict(() => verifyConsistency(c.size1, c.size2, b64List(c.proof), b64(c.root1), b64(c.root2)));
      assert.equal(got, c.wantErr ? 'rejected' : 'ok', c.desc);
    });
  }
});

void test('consistency from the empty tree: only an empty proof from the real empty root to a real root', () => {
  const leaves = leafHashesFor(5);
  const root5 = rootFromLeafHashes(leaves);
  assert.equal(verdict(() => verifyConsistency(0, 5, [], EMPTY_ROOT, root5)), 'ok');
  assert.equal(verdict(() => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)), 'ok');
  assert.equal(verdict(() => verifyConsistency(0, 5, [], root5, root5)), 'rejected', 'size-0 root must be the empty-tree hash');
  assert.equal(verdict(() => verifyConsistency(0, 5, [leaves[0]!], EMPTY_ROOT, root5)), 'rejected', 'proof must be empty');
  assert.equal(verdict(() => verifyConsistency(0, 5, [], EMPTY_ROOT, Buffer.alloc(31))), 'rejected', 'new root must be 32 bytes');
  assert.equal(verdict(() => verifyConsistency(0, 0, [], root5, root5)), 'rejected');
});

void test('proof hashes of the wrong length, unsafe sizes and negative indices are rejected, not mis-hashed', () => {
  const leaves = leafHashesFor(4);
  const root = rootFromLeafHashes(leaves);
  const mem = new MemTree(leaves);
  const p = [mem.node(0, 1), mem.node(1, 1)];
  assert.equal(verdict(() => verifyInclusion(0, 4, leaves[0]!, p, root)), 'ok');
  assert.equal(verdict(() => verifyInclusion(0, 4, leaves[0]!, [p[0]!, Buffer.concat([p[1]!, Buffer.alloc(1)])], root)), 'rejected');
  assert.equal(verdict(() => verifyInclusion(-1, 4, leaves[0]!, p, root)), 'rejected');
  assert.equal(verdict(() => verifyInclusion(0.5, 4, leaves[0]!, p, root)), 'rejected');
  assert.equal(verdict(() => verifyInclusion(0, 2 ** 53, leaves[0]!, p, root)), 'rejected');
  assert.equal(verdict(() => verifyConsistency(-1, 4, p, root, root)), 'rejected');
  assert.equal(verdict(() => verifyConsistency(2, 2 ** 53, p, root, root)), 'rejected');
});

// ---------------------------------------------------------------------------------------
// (d) property tests over random trees up to 1000 leaves
// ---------------------------------------------------------------------------------------

const BIG = 1000;
const bigLeaves = leafHashesFor(BIG, 'big');
const bigTree = new MemTree(bigLeaves);
const bigRoots = new Map<number, Buffer>();
function bigRoot(n: number): Buffer {
  let r = bigRoots.get(n);
  if (!r) {
    r = rootFromLeafHashes(bigLeaves.slice(0, n));
    bigRoots.set(n, r);
  }
  return r;
}

function propertySizes(rand: (n: number) => number): number[] {
  const sizes = [1, 2, 3, 255, 256, 257, 511, 512, 513, 1000];
  for (let i = 0; i < 12; i++) sizes.push(1 + rand(BIG));
  return sizes;
}

function flipBit(b: Buffer, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

function withReplaced(proof: readonly Buffer[], at: number, h: Buffer): Buffer[] {
  const c = proof.slice();
  c[at] = h;
  return c;
}

void test('property: random inclusion proofs verify, and every mutation of them is rejected', async () => {
  const rand = prng(0x5eed1);
  let checked = 0;
  for (const size of propertySizes(rand)) {
    const root = bigRoot(size);
    assert.equal(hex(await rootAt(size, bigTree.reader(size))), hex(root), `rootAt ${size}`);
    const indices = new Set([0, size - 1, Math.floor(size / 2)]);
    while (indices.size < Math.min(size, 10)) indices.add(rand(size));
    for (const index of indices) {
      const leaf = bigLeaves[index]!;
      const proof = await proveInclusion(index, size, bigTree.reader(size));
      assert.ok(proof.length <= Math.ceil(Math.log2(size)), 'proof is logarithmic');
      assert.equal(verdict(() => verifyInclusion(index, size, leaf, proof, root)), 'ok', `valid ${index}/${size}`);
      const rejected = (why: string, fn: () => void): void => assert.equal(verdict(fn), 'rejected', `${why} (${index}/${size})`);

      if (proof.length > 0) {
        // Every single bit of one proof hash, and one random bit of every other.
        const at = rand(proof.length);
        for (let bit = 0; bit < 256; bit++) rejected(`bit ${bit} of hash ${at}`, () => verifyInclusion(index, size, leaf, withReplaced(proof, at, flipBit(proof[at]!, bit)), root));
        for (let i = 0; i < proof.length; i++) rejected(`random bit of hash ${i}`, () => verifyInclusion(index, size, leaf, withReplaced(proof, i, flipBit(proof[i]!, rand(256))), root));
        rejected('truncated', () => verifyInclusion(index, size, leaf, proof.slice(0, -1), root));
        rejected('first hash dropped', () => verifyInclusion(index, size, leaf, proof.slice(1), root));
      }
      rejected('leaf bit flipped', () => verifyInclusion(index, size, flipBit(leaf, rand(256)), proof, root));
      rejected('root bit flipped', () => verifyInclusion(index, size, leaf, proof, flipBit(root, rand(256))));
      rejected('extended by a hash', () => verifyInclusion(index, size, leaf, [...proof, bigLeaves[rand(BIG)]!], root));
      rejected('extended by the root', () => verifyInclusion(index, size, leaf, [...proof, root], root));
      rejected('prefixed by a hash', () => verifyInclusion(index, size, leaf, [bigLeaves[rand(BIG)]!, ...proof], root));
      // A wrong size, claimed together with that size's real root.
      if (size + 1 <= BIG) rejected('size + 1', () => verifyInclusion(index, size + 1, leaf, proof, bigRoot(size + 1)));
      if (size > 1) rejected('size - 1', () => verifyInclusion(index, size - 1, leaf, proof, bigRoot(size - 1)));
      rejected('size * 2', () => verifyInclusion(index, size * 2, leaf, proof, root));
      // A wrong index for the same leaf hash, proof and root.
      for (const wrong of [index - 1, index + 1, index ^ 2, rand(size)]) {
        if (wrong === index) continue;
        rejected(`index ${wrong}`, () => verifyInclusion(wrong, size, leaf, proof, root));
      }
      checked++;
    }
  }
  assert.ok(checked > 150, `checked ${checked} inclusion proofs`);
});

void test('property: random consistency proofs verify, and every mutation of them is rejected', async () => {
  const rand = prng(0x5eed2);
  let checked = 0;
  for (const n of propertySizes(rand)) {
    const olds = new Set([1, n, n - 1, Math.floor(n / 2), 2 ** Math.floor(Math.log2(n))]);
    while (olds.size < Math.min(n, 10)) olds.add(1 + rand(n));
    olds.delete(0);
    for (const m of olds) {
      const proof = await proveConsistency(m, n, bigTree.reader(n));
      const r1 = bigRoot(m);
      const r2 = bigRoot(n);
      assert.equal(verdict(() => verifyConsistency(m, n, proof, r1, r2)), 'ok', `valid ${m}->${n}`);
      if (m === n) assert.equal(proof.length, 0);
      const rejected = (why: string, fn: () => void): void => assert.equal(verdict(fn), 'rejected', `${why} (${m}->${n})`);

      if (proof.length > 0) {
        const at = rand(proof.length);
        for (let bit = 0; bit < 256; bit++) rejected(`bit ${bit} of hash ${at}`, () => verifyConsistency(m, n, withReplaced(proof, at, flipBit(proof[at]!, bit)), r1, r2));
        for (let i = 0; i < proof.length; i++) rejected(`random bit of hash ${i}`, () => verifyConsistency(m, n, withReplaced(proof, i, flipBit(proof[i]!, rand(256))), r1, r2));
        rejected('truncated', () => verifyConsistency(m, n, proof.slice(0, -1), r1, r2));
        rejected('first hash dropped', () => verifyConsistency(m, n, proof.slice(1), r1, r2));
        rejected('empty', () => verifyConsistency(m, n, [], r1, r2));
        rejected('swapped roots', () => verifyConsistency(m, n, proof, r2, r1));
      }
      rejected('extended by a hash', () => verifyConsistency(m, n, [...proof, bigLeaves[rand(BIG)]!], r1, r2));
      rejected('extended by root1', () => verifyConsistency(m, n, [...proof, r1], r1, r2));
      rejected('prefixed by a hash', () => verifyConsistency(m, n, [bigLeaves[rand(BIG)]!, ...proof], r1, r2));
      rejected('old root bit flipped', () => verifyConsistency(m, n, proof, flipBit(r1, rand(256)), r2));
      rejected('new root bit flipped', () => verifyConsistency(m, n, proof, r1, flipBit(r2, rand(256))));
      // Wrong sizes, each claimed together with that size's real root.
      if (m + 1 <= n) rejected('size1 + 1', () => verifyConsistency(m + 1, n, proof, bigRoot(m + 1), r2));
      // (0 -> n with an empty proof is the one accepted proof from the empty tree.)
      if (m > 1 || proof.length > 0) rejected('size1 - 1', () => verifyConsistency(m - 1, n, proof, bigRoot(m - 1), r2));
      if (n + 1 <= BIG) rejected('size2 + 1', () => verifyConsistency(m, n + 1, proof, r1, bigRoot(n + 1)));
      if (n - 1 >= m) rejected('size2 - 1', () => verifyConsistency(m, n - 1, proof, r1, bigRoot(n - 1)));
      rejected('size1 > size2', () => verifyConsistency(n + 1, n, proof, r1, r2));
      checked++;
    }
  }
  assert.ok(checked > 150, `checked ${checked} consistency proofs`);
});

void test('property: proofs are built from nodes inside the tree only, in one read', async () => {
  const rand = prng(0x5eed3);
  for (let k = 0; k < 200; k++) {
    const n = 1 + rand(BIG);
    const m = 1 + rand(n);
    const before = bigTree.reads;
    await proveConsistency(m, n, bigTree.reader(n)); // the reader asserts every node is inside [0, n)
    await proveInclusion(rand(n), n, bigTree.reader(n));
    assert.equal(bigTree.reads - before, 2);
  }
  await assert.rejects(async () => proveInclusion(5, 5, bigTree.reader(5)), RangeError);
  await assert.rejects(async () => proveConsistency(6, 5, bigTree.reader(6)), RangeError);
  await assert.rejects(async () => proveInclusion(0, 4, () => [bigLeaves[0]!]), /node reader returned 1 of 2/);
});

// ---------------------------------------------------------------------------------------
// (e) tiles
// ---------------------------------------------------------------------------------------

const tileKey = (level: number, index: number): string => `${level}/${index}`;

/** Tile storage that keeps the latest data written per (level, index). */
class TileStore {
  readonly tiles = new Map<string, Buffer>();
  write(writes: readonly TileWrite[]): void {
    for (const w of writes) {
      assert.equal(w.data.length % 32, 0);
      assert.ok(w.data.length > 0 && w.data.length <= TILE_WIDTH * 32);
      this.tiles.set(tileKey(w.level, w.index), w.data);
    }
  }
  reader(): NodeReader {
    return (nodes) =>
      nodes.map((node) => {
        const { tile, from, count } = tileForNode(node);
        const data = this.tiles.get(tileKey(tile.level, tile.index));
        if (!data) throw new Error(`tile ${tile.level}/${tile.index} was never written`);
        return nodeFromTile(data, from, count);
      });
  }
}

const rootCache = new Map<string, Buffer>();
function bigRootFor(leaves: readonly Buffer[], n: number): Buffer {
  const key = `${hex(leaves[0] ?? Buffer.alloc(0))}:${n}`;
  let r = rootCache.get(key);
  if (!r) {
    r = rootFromLeafHashes(leaves.slice(0, n));
    rootCache.set(key, r);
  }
  return r;
}

function writesKey(ws: readonly TileWrite[]): string[] {
  return ws.map((w) => `${w.level}/${w.index}:${hex(w.data)}`);
}

void test('TileEdge: root after every random batch equals rootFromLeafHashes, and written tiles serve valid proofs', async () => {
  const rand = prng(0x7117e);
  const leaves = leafHashesFor(BIG, 'tile');
  const edge = TileEdge.empty();
  const store = new TileStore();
  assert.equal(hex(edge.root()), hex(EMPTY_ROOT));
  let size = 0;
  while (size < BIG) {
    const batch = Math.min(BIG - size, 1 + rand(size < 600 ? 300 : 1000));
    store.write(edge.append(leaves.slice(size, size + batch)));
    size += batch;
    assert.equal(edge.size, size);
    assert.equal(hex(edge.root()), hex(rootFromLeafHashes(leaves.slice(0, size))), `root at ${size}`);

    // Every stored tile has the width tileWidth says (or is full) for the current size.
    for (const [key, data] of store.tiles) {
      const [level, index] = key.split('/').map(Number) as [number, number];
      const width = tileWidth({ level, index }, size);
      assert.ok(width > 0, `tile ${key} should exist at size ${size}`);
      assert.equal(data.length, width * 32, `tile ${key} width at size ${size}`);
    }
    const root = bigRootFor(leaves, size);
    assert.equal(hex(await rootAt(size, store.reader())), hex(root));
    for (let k = 0; k < 5; k++) {
      const index = rand(size);
      verifyInclusion(index, size, leaves[index]!, await proveInclusion(index, size, store.reader()), root);
      const m = 1 + rand(size);
      verifyConsistency(m, size, await proveConsistency(m, size, store.reader()), bigRootFor(leaves, m), root);
    }
  }
  // Full tiles hold exactly the level-0 leaf hashes and the level-8 node hashes.
  const mem = new MemTree(leaves);
  assert.deepEqual(store.tiles.get('0/0'), Buffer.concat(leaves.slice(0, 256)));
  assert.deepEqual(store.tiles.get('0/3'), Buffer.concat(leaves.slice(768, 1000)));
  assert.deepEqual(store.tiles.get('1/0'), Buffer.concat([mem.node(8, 0), mem.node(8, 1), mem.node(8, 2)]));
  assert.deepEqual([...store.tiles.keys()].sort(), ['0/0', '0/1', '0/2', '0/3', '1/0']);
});

void test('TileEdge.restore from partialTiles(size) gives the same root and continues appending identically', () => {
  const rand = prng(0x4e57);
  const leaves = leafHashesFor(BIG, 'restore');
  const live = TileEdge.empty();
  const store = new TileStore();
  const stops = [0, 1, 255, 256, 257, 511, 512, 513, 767, 768, 1000];
  for (let s = 0; s < 8; s++) stops.push(rand(BIG + 1));
  stops.sort((a, b) => a - b);
  let size = 0;
  for (const stop of stops) {
    if (stop > size) {
      store.write(live.append(leaves.slice(size, stop)));
      size = stop;
    }
    const wanted = TileEdge.partialTiles(size);
    const restored = TileEdge.restore(
      size,
      wanted.map((t) => {
        const data = store.tiles.get(tileKey(t.level, t.index));
        assert.ok(data, `partial tile ${t.level}/${t.index} was written`);
        assert.equal(data.length, t.width * 32);
        assert.equal(tileWidth(t, size), t.width);
        return data;
      }),
    );
    assert.equal(restored.size, size);
    assert.equal(hex(restored.root()), hex(live.root()), `root after restore at ${size}`);
    // Continue both with the same batches: identical writes and roots.
    const twin = TileEdge.restore(size, wanted.map((t) => store.tiles.get(tileKey(t.level, t.index))!));
    const copy = TileEdge.empty();
    copy.append(leaves.slice(0, size));
    let at = size;
    const extra = leafHashesFor(600, `more-${size}`);
    while (at < size + extra.length) {
      const batch = Math.min(size + extra.length - at, 1 + rand(300));
      const next = extra.slice(at - size, at - size + batch);
      const a = twin.append(next);
      const b = copy.append(next);
      assert.deepEqual(writesKey(a), writesKey(b), `writes after restore at ${size}, appending to ${at + batch}`);
      at += batch;
      assert.equal(hex(twin.root()), hex(copy.root()));
    }
  }
  assert.deepEqual(TileEdge.partialTiles(0), []);
  assert.deepEqual(TileEdge.partialTiles(1000), [
    { level: 0, index: 3, width: 232 },
    { level: 1, index: 0, width: 3 },
  ]);
  assert.throws(() => TileEdge.restore(1000, []), /exactly the partial tiles/);
  assert.throws(() => TileEdge.restore(1000, [Buffer.alloc(231 * 32), Buffer.alloc(3 * 32)]), /shorter than width/);
});

void test('TileEdge across 65536 leaves: level-2 tiles, root and restore stay right', async () => {
  const total = 65536 + 300;
  const leaves = leafHashesFor(total, 'wide');
  const mem = new MemTree(leaves);
  const edge = TileEdge.empty();
  const store = new TileStore();
  for (const stop of [65535, 65536, 65537, total]) {
    store.write(edge.append(leaves.slice(edge.size, stop)));
    const want = hex(await rootAt(stop, mem.reader(stop)));
    assert.equal(hex(edge.root()), want, `root at ${stop}`);
    const restored = TileEdge.restore(stop, TileEdge.partialTiles(stop).map((t) => store.tiles.get(tileKey(t.level, t.index))!));
    assert.equal(hex(restored.root()), want, `restored root at ${stop}`);
  }
  assert.deepEqual(TileEdge.partialTiles(65536), [{ level: 2, index: 0, width: 1 }]);
  assert.equal(store.tiles.get('2/0')?.length, 32);
  assert.equal(store.tiles.get('1/0')?.length, 256 * 32);
});

void test('tile index encoding: 1234067 is x001/x234/067, 5 is 005, and only the canonical form decodes', () => {
  assert.equal(encodeTileIndex(1234067), 'x001/x234/067');
  assert.equal(encodeTileIndex(5), '005');
  assert.equal(encodeTileIndex(0), '000');
  assert.equal(encodeTileIndex(1000), 'x001/000');
  assert.equal(decodeTileIndex('x001/x234/067'), 1234067);
  assert.equal(decodeTileIndex('005'), 5);
  assert.equal(decodeTileIndex('x001/000'), 1000);
  for (const bad of ['x000/005', '5', '0005', '05', 'x005', '005/x001', 'x1/005', 'x001/', '', '/005', 'x001//005', '00a', '-05']) {
    assert.equal(decodeTileIndex(bad), undefined, `'${bad}' must not decode`);
  }
  const rand = prng(0x1d);
  for (let i = 0; i < 500; i++) {
    const n = rand(2 ** 31) * (rand(2) ? 1 : 1000) + rand(1000);
    assert.equal(decodeTileIndex(encodeTileIndex(n)), n);
  }
  assert.equal(tilePath({ level: 0, index: 1234067 }, 256), 'tile/0/x001/x234/067');
  assert.equal(tilePath({ level: 1, index: 5 }, 17), 'tile/1/005.p/17');
});

void test('tileWidth: full, partial and absent tiles at each level', () => {
  assert.equal(tileWidth({ level: 0, index: 0 }, 0), 0);
  assert.equal(tileWidth({ level: 0, index: 0 }, 1), 1);
  assert.equal(tileWidth({ level: 0, index: 0 }, 256), 256);
  assert.equal(tileWidth({ level: 0, index: 1 }, 256), 0);
  assert.equal(tileWidth({ level: 0, index: 3 }, 1000), 232);
  assert.equal(tileWidth({ level: 0, index: 2 }, 1000), 256);
  assert.equal(tileWidth({ level: 0, index: 4 }, 1000), 0);
  assert.equal(tileWidth({ level: 1, index: 0 }, 255), 0);
  assert.equal(tileWidth({ level: 1, index: 0 }, 1000), 3);
  assert.equal(tileWidth({ level: 1, index: 0 }, 65536), 256);
  assert.equal(tileWidth({ level: 2, index: 0 }, 65536), 1);
  assert.equal(tileWidth({ level: 2, index: 0 }, 65535), 0);
});

void test('tileForNode / nodeFromTile: where each perfect node lives and how it folds', () => {
  assert.deepEqual(tileForNode({ level: 0, index: 300 }), { tile: { level: 0, index: 1 }, from: 44, count: 1 });
  assert.deepEqual(tileForNode({ level: 3, index: 33 }), { tile: { level: 0, index: 1 }, from: 8, count: 8 });
  assert.deepEqual(tileForNode({ level: 8, index: 3 }), { tile: { level: 1, index: 0 }, from: 3, count: 1 });
  assert.deepEqual(tileForNode({ level: 9, index: 200 }), { tile: { level: 1, index: 1 }, from: 144, count: 2 });
  const leaves = leafHashesFor(8);
  const tile = Buffer.concat(leaves);
  const mem = new MemTree(leaves);
  assert.deepEqual(nodeFromTile(tile, 4, 4), mem.node(2, 1));
  assert.deepEqual(nodeFromTile(tile, 0, 8), mem.node(3, 0));
  assert.throws(() => nodeFromTile(tile, 4, 8), RangeError);
});

void test('hashChildren: SHA-256(0x01 || left || right) for 32-byte nodes and any other length; results stay independent', () => {
  const spec = (l: Buffer, r: Buffer): Buffer => createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();
  const a = randomBytes(32);
  const b = randomBytes(32);
  const ab = hashChildren(a, b);
  const ba = hashChildren(b, a);
  assert.deepEqual(ab, spec(a, b));
  assert.deepEqual(ba, spec(b, a), 'a later call does not overwrite an earlier result');
  assert.deepEqual(hashChildren(a.subarray(0, 31), b), spec(a.subarray(0, 31), b));
  assert.deepEqual(hashChildren(a, Buffer.concat([b, b])), spec(a, Buffer.concat([b, b])));
});
