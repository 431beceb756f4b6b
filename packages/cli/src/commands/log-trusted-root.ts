import { writeFileSync } from 'node:fs';
import { resolveLogDir } from './log-dir.js';
import { SigilError } from '@sigil/core';
import { DataDir, TransparencyLog, logTrustedRoot } from '@sigil/log';

export async function trustedRoot(o: { data: string; out?: string }): Promise<void> {
  const dir = resolveLogDir(o.data);
  // A read command must not create a log where there is none.
  if (!new DataDir(dir).readIdentity()) throw new SigilError('ERR_NOT_FOUND', `no log in ${dir} (start one with: sigil log serve --data ${o.data})`);
  const log = await TransparencyLog.open({ dataDir: dir });
  try {
    const json = JSON.stringify(logTrustedRoot(log), null, 2) + '\n';
    if (o.out) writeFileSync(o.out, json);
    else process.stdout.write(json);
  } finally {
    await log.storage.close();
  }
}
