import { writeFileSync } from 'node:fs';
import { resolveLogDir } from './log-dir.js';
import { TransparencyLog, logTrustedRoot } from '@sigil/log';

export async function trustedRoot(o: { data: string; out?: string }): Promise<void> {
  const log = await TransparencyLog.open({ dataDir: resolveLogDir(o.data) });
  try {
    const json = JSON.stringify(logTrustedRoot(log), null, 2) + '\n';
    if (o.out) writeFileSync(o.out, json);
    else process.stdout.write(json);
  } finally {
    await log.storage.close();
  }
}
