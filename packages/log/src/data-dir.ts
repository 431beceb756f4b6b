import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SigilError } from '@sigil/core';

/**
 * Everything a log needs to come back with the same identity lives in its data directory:
 *
 *   log.db           SQLite: shards, leaves, tiles, checkpoints, search index
 *   log.json         identity fixed at first start: public URL
 *   keys/<tree>.pem  each shard's PKCS#8 signing key (0600)
 *   admin.token      credential for the admin API (0600)
 *   server.json      address of the running server (removed on clean stop)
 */
export interface LogIdentity {
  publicUrl: string;
  createdAt: string;
}

export interface ServerInfo {
  url: string;
  pid: number;
  startedAt: string;
}

export class DataDir {
  constructor(readonly path: string) {}

  get dbFile(): string {
    return join(this.path, 'log.db');
  }

  ensure(): void {
    mkdirSync(join(this.path, 'keys'), { recursive: true, mode: 0o700 });
  }

  readIdentity(): LogIdentity | undefined {
    const f = join(this.path, 'log.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as LogIdentity) : undefined;
  }

  writeIdentity(id: LogIdentity): void {
    writeAtomic(join(this.path, 'log.json'), JSON.stringify(id, null, 2) + '\n');
  }

  keyPath(file: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(file)) throw new SigilError('ERR_CONFIG', `bad key file name ${file}`);
    return join(this.path, 'keys', file);
  }

  writeKey(file: string, pem: string): void {
    writeAtomic(this.keyPath(file), pem, 0o600);
  }

  readKey(file: string): string {
    try {
      return readFileSync(this.keyPath(file), 'utf8');
    } catch (cause) {
      throw new SigilError('ERR_CONFIG', `cannot read signing key ${this.keyPath(file)}`, { cause });
    }
  }

  /** The admin credential, created on first use. */
  adminToken(): string {
    const f = join(this.path, 'admin.token');
    if (!existsSync(f)) writeAtomic(f, randomBytes(32).toString('hex') + '\n', 0o600);
    return readFileSync(f, 'utf8').trim();
  }

  readServer(): ServerInfo | undefined {
    const f = join(this.path, 'server.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ServerInfo) : undefined;
  }

  writeServer(info: ServerInfo): void {
    writeAtomic(join(this.path, 'server.json'), JSON.stringify(info, null, 2) + '\n', 0o600);
  }

  clearServer(): void {
    rmSync(join(this.path, 'server.json'), { force: true });
  }
}

/** Write via a temp file and rename, so a reader never sees half a file. */
export function writeAtomic(file: string, content: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}
