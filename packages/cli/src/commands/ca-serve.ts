import { resolve } from 'node:path';
import { serveCa } from '@sigil/ca';
import { parseIntOption } from './log-serve.js';

export async function caServe(o: { data: string; issuers: string; port: string; host: string; logLevel: string }): Promise<void> {
  const running = await serveCa({
    dataDir: resolve(o.data),
    issuerConfig: resolve(o.issuers),
    port: parseIntOption(o.port, '--port', 0, 65535),
    host: o.host,
    logLevel: o.logLevel,
  });
  process.stderr.write(`sigil ca: serving the Fulcio v2 API at ${running.url} (keys in ${resolve(o.data)})\n`);
  process.stdout.write(`  configuration:  curl -s ${running.url}/api/v2/configuration\n  trust bundle:   curl -s ${running.url}/api/v2/trustBundle\n`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
