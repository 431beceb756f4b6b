import { readFileSync } from 'node:fs';
import { resolveLogDir } from './log-dir.js';
import { SigilError } from '@sigil/core';
import { DataDir } from '@sigil/log';

export async function shardRotate(o: { data: string; key?: string }): Promise<void> {
  const dir = new DataDir(resolveLogDir(o.data));
  const server = dir.readServer();
  if (!server) throw new SigilError('ERR_NOT_FOUND', `no running log recorded in ${dir.path} (start it with: sigil log serve --data ${o.data})`);
  const body = o.key ? { keyPem: readFileSync(o.key, 'utf8') } : {};
  const res = await fetch(`${server.url}/api/v1/admin/shards/rotate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${dir.adminToken()}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  }).catch((cause: unknown) => {
    throw new SigilError('ERR_LOG_UNAVAILABLE', `the log at ${server.url} did not answer (is it running?)`, { cause });
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch { /* not JSON */ }
    throw new SigilError(res.status === 401 ? 'ERR_UNAUTHORIZED' : 'ERR_BAD_REQUEST', `rotation refused (${res.status}): ${message}`);
  }
  const r = JSON.parse(text) as { frozen: { treeID: string; treeSize: number }; active: { treeID: string } };
  process.stderr.write(`froze tree ${r.frozen.treeID} at ${r.frozen.treeSize} entries; new active tree ${r.active.treeID}\n`);
  process.stdout.write(text + '\n');
}
