// Shared by the packages' tests (the `@sigil/core/test-support` subpath; never imported by product code).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SigilError, type SigilErrorCode } from './errors.js';

/** The workspace root: the nearest ancestor of this file with a package.json that has "workspaces". */
function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('project root (package.json with "workspaces") not found');
    dir = up;
  }
}

/** A folder of ../shared/vectors, read in place (never copied into the project). */
export function vectorsDir(name: string): string {
  return path.resolve(findProjectRoot(), '../shared/vectors', name);
}

export function throwsSigil(fn: () => unknown, code: SigilErrorCode, message?: string): void {
  assert.throws(fn, (err: unknown) => err instanceof SigilError && err.code === code, message);
}

/** Tiny deterministic PRNG (mulberry32): `next(n)` is an integer in [0, n). */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
