import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { serveLog, type LogKeyType } from '@sigil/log';
import { UsageError } from '../ui/exit.js';

export async function logServe(o: Record<string, string | undefined>): Promise<void> {
  const port = parseIntOption(o.port, '--port', 0, 65535);
  const keyPem = o.key ? readFileSync(o.key, 'utf8') : undefined;
  const running = await serveLog({
    dataDir: resolve(o.data ?? '.sigil/log'),
    port,
    host: o.host ?? '127.0.0.1',
    ...(o.url ? { publicUrl: o.url } : {}),
    ...(keyPem ? { keyPem } : {}),
    keyType: (o.keyType ?? 'ecdsa-p256') as LogKeyType,
    bodyLimit: parseIntOption(o.maxBody, '--max-body', 1024, 1 << 30),
    verifyWorkers: parseIntOption(o.verifyWorkers, '--verify-workers', 0, 64),
    logLevel: o.logLevel ?? 'warn',
    onNotice: (m) => process.stderr.write(`sigil log: ${m}\n`),
  });
  const info = running.log.info();
  process.stderr.write(`sigil log: serving ${running.url} (public URL ${running.log.publicUrl}), tree ${info.treeID}, ${info.treeSize} entries, data in ${running.log.dir.path}\n`);
  process.stdout.write(usageExample(running.url, running.log.dir.path));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sigil log: ${signal}: finishing in-flight writes…\n`);
    running.close().then(
      () => {
        process.stderr.write('sigil log: stopped cleanly\n');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`sigil log: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export function parseIntOption(v: string | undefined, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** A copy-paste session against the running log: sign a file with openssl, log it, fetch its proof. */
function usageExample(url: string, dir: string): string {
  return `
Sigil transparency log (Rekor v1 API) at ${url}
  log info:        curl -s ${url}/api/v1/log
  public key:      curl -s ${url}/api/v1/log/publicKey
  trusted root:    npx sigil log trusted-root --data ${dir}
  rotate shard:    npx sigil log shard rotate --data ${dir}

Try it (openssl + curl):
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem
  openssl pkey -in key.pem -pubout -out pub.pem
  echo "hello sigil" > artifact.txt
  openssl dgst -sha256 -sign key.pem -out artifact.sig artifact.txt
  curl -s -X POST ${url}/api/v1/log/entries -H 'content-type: application/json' -d '{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"'$(sha256sum artifact.txt | cut -d" " -f1)'"}},"signature":{"content":"'$(base64 -w0 artifact.sig)'","publicKey":{"content":"'$(base64 -w0 pub.pem)'"}}}}'
  curl -s "${url}/api/v1/log/entries?logIndex=0"      # the entry with its inclusion proof and checkpoint

Ctrl-C stops the log cleanly; nothing acknowledged is lost.
`;
}
