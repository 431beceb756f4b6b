/**
 * Where the TUF cache lives on disk, and the one guard every cache path goes through.
 *
 * Mirror URLs and target names come from configuration and from signed-but-remote metadata;
 * either may carry `..`, separators or an absolute path (GHSA-jqc5-w2xx-5vq4,
 * GHSA-fcv2-xgw5-pqxf). Both are turned into a single flat file name before they touch the
 * file system, and the joined path is checked to sit strictly inside its parent.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SigilError } from '@sigil/core';

// Long enough for any real host and path, short of the 255-byte limit most file systems set.
const MAX_NAME_LENGTH = 120;

/** `$XDG_CACHE_HOME/sigil/tuf`, else `~/.cache/sigil/tuf`. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says a relative value is invalid and must be ignored.
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.cache');
  return join(base, 'sigil', 'tuf');
}

/**
 * One file name that stands for `value` and nothing else: characters outside `[A-Za-z0-9._-]`
 * are percent-escaped (so `/`, `\` and `:` cannot survive), leading dots too (so `.` and `..`
 * cannot survive), and an over-long name is cut and suffixed with a hash of the whole.
 */
export function flatFileName(value: string): string {
  let name = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    name += /[A-Za-z0-9._-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  name = name.replace(/^\.+/, (dots) => '%2E'.repeat(dots.length));
  if (name.length === 0) name = '%00';
  if (name.length > MAX_NAME_LENGTH) {
    const digest = createHash('sha256').update(value).digest('hex').slice(0, 16);
    name = `${name.slice(0, MAX_NAME_LENGTH - 17)}~${digest}`;
  }
  return name;
}

/** The cache directory name for a mirror: its host (with port) and path. */
export function mirrorDirName(mirror: URL): string {
  return flatFileName(mirror.host + mirror.pathname.replace(/\/+$/, ''));
}

/**
 * `parent/child`, refused unless it resolves to a path strictly below `parent`. Callers
 * flatten `child` first; this is the second, independent line of defence.
 */
export function joinInside(parent: string, child: string): string {
  const base = resolve(parent);
  const full = resolve(base, child);
  const rel = relative(base, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) || child.includes('\0')) {
    throw new SigilError('ERR_TUF', `refusing cache path ${JSON.stringify(child)}: it is not inside ${base}`);
  }
  return full;
}
