import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A log's data directory, given either the log's own or a `sigil up` stack's (which keeps it in log/). */
export function resolveLogDir(dir: string): string {
  const d = resolve(dir);
  return !existsSync(join(d, 'log.json')) && existsSync(join(d, 'log', 'log.json')) ? join(d, 'log') : d;
}
