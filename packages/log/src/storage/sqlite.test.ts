import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStorageConformance } from './conformance.js';
import { SqliteStorage } from './sqlite.js';
import type { LogStorage } from './storage.js';

const root = mkdtempSync(join(tmpdir(), 'sigil-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
const files = new WeakMap<LogStorage, string>();
let n = 0;

runStorageConformance(
  'sqlite',
  () => {
    const file = join(root, `t${n++}.db`);
    const s = new SqliteStorage(file);
    files.set(s, file);
    return Promise.resolve(s);
  },
  async (s) => {
    const file = files.get(s)!;
    await s.close();
    const again = new SqliteStorage(file);
    files.set(again, file);
    return again;
  },
);
