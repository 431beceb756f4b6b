import { SigilError } from '../errors.js';
import { EMPTY_ROOT, hashChildren } from './hash.js';

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function checkHashes(proof: readonly Uint8Array[]): void {
  for (const h of proof) if (h.length !== 32) throw new SigilError('ERR_MERKLE_PROOF', 'proof hash is not 32 bytes');
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to (throws if the proof has the wrong shape). */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Buffer {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new SigilError('ERR_MERKLE_PROOF', `leaf index ${index} is outside a tree of size ${size}`);
  }
  if (leafHash.length !== 32) throw new SigilError('ERR_MERKLE_PROOF', 'leaf hash is not 32 bytes');
  checkHashes(proof);
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new SigilError('ERR_MERKLE_PROOF', 'inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new SigilError('ERR_MERKLE_PROOF', 'inclusion proof is too short');
  return Buffer.from(r);
}

export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  if (!same(rootFromInclusionProof(index, size, leafHash, proof), root)) {
    throw new SigilError('ERR_MERKLE_PROOF', 'inclusion proof does not lead to the root');
  }
}

/** RFC 9162 §2.1.4.2. Throws ERR_MERKLE_PROOF unless the proof shows `oldRoot` is a prefix of `newRoot`. */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): void {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    throw new SigilError('ERR_MERKLE_PROOF', `no consistency between sizes ${oldSize} and ${newSize}`);
  }
  checkHashes(proof);
  // The empty tree has exactly one root, SHA-256 of nothing; any other claimed size-0 root is false.
  if (oldSize === 0 && !same(oldRoot, EMPTY_ROOT)) throw new SigilError('ERR_MERKLE_PROOF', 'root of the empty tree is not the empty hash');
  if (oldSize === newSize) {
    if (proof.length !== 0) throw new SigilError('ERR_MERKLE_PROOF', 'proof between equal sizes must be empty');
    if (!same(oldRoot, newRoot)) throw new SigilError('ERR_MERKLE_PROOF', 'roots of equal sizes differ');
    return;
  }
  if (oldSize === 0) {
    // Every tree extends the empty tree (transparency-dev convention): nothing to prove.
    if (proof.length !== 0) throw new SigilError('ERR_MERKLE_PROOF', 'proof from the empty tree must be empty');
    if (newRoot.length !== 32) throw new SigilError('ERR_MERKLE_PROOF', 'new root is not 32 bytes');
    return;
  }
  if (proof.length === 0) throw new SigilError('ERR_MERKLE_PROOF', 'consistency proof is empty');
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw new SigilError('ERR_MERKLE_PROOF', 'consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new SigilError('ERR_MERKLE_PROOF', 'consistency proof is too short');
  if (!same(fr, oldRoot)) throw new SigilError('ERR_MERKLE_PROOF', 'consistency proof does not lead to the old root');
  if (!same(sr, newRoot)) throw new SigilError('ERR_MERKLE_PROOF', 'consistency proof does not lead to the new root');
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}
