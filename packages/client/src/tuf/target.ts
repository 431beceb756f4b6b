/**
 * Reading one TUF target through the cache: the signed targets metadata gives its length and
 * hashes, the cached copy is used when it still matches them, otherwise it is downloaded,
 * checked and stored under a flat name inside the targets directory.
 */
import { readFile } from 'node:fs/promises';
import { SigilError } from '@sigil/core';
import type { TargetFile, Updater } from 'tuf-js';
import { flatFileName, joinInside } from './cache-dir.js';
import { tufError } from './tuf-error.js';

// Sigstore's trusted_root.json is tens of kilobytes; a target far beyond that is not one.
export const MAX_TARGET_BYTES = 2 * 1024 * 1024;

/**
 * The verified text of target `name`, or undefined when the repository does not list it.
 * `name` must be a plain relative name: absolute paths and `.`/`..` segments are refused before
 * anything is fetched, whatever the metadata says.
 */
export async function readTarget(updater: Updater, targetsDir: string, name: string): Promise<string | undefined> {
  checkTargetName(name);
  const file = joinInside(targetsDir, flatFileName(name));
  let info: TargetFile | undefined;
  try {
    info = await updater.getTargetInfo(name);
  } catch (err) {
    throw tufError(`looking up TUF target ${name}`, err);
  }
  if (info === undefined) return undefined;
  if (info.length > MAX_TARGET_BYTES) {
    throw new SigilError('ERR_TUF', `TUF target ${name} is ${info.length} bytes, over the ${MAX_TARGET_BYTES}-byte limit`);
  }
  let path = await updater.findCachedTarget(info, file);
  if (path === undefined) {
    try {
      path = await updater.downloadTarget(info, file);
    } catch (err) {
      throw tufError(`downloading TUF target ${name}`, err);
    }
  }
  const text = await readFile(path, 'utf8');
  try {
    JSON.parse(text);
  } catch (cause) {
    throw new SigilError('ERR_TUF', `TUF target ${name} is not JSON`, { cause });
  }
  return text;
}

function checkTargetName(name: string): void {
  const segments = name.split(/[/\\]/);
  const bad =
    name === '' ||
    name.includes('\0') ||
    name.startsWith('/') ||
    name.startsWith('\\') ||
    /^[A-Za-z]:/.test(name) ||
    segments.some((s) => s === '.' || s === '..');
  if (bad) throw new SigilError('ERR_TUF', `refusing TUF target name ${JSON.stringify(name)}: not a plain relative name`);
}
