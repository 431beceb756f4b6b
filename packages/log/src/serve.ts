import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './http/app.js';
import { REDACT_PATHS } from '@sigil/http';
import { SigilError } from '@sigil/core';
import { DataDir } from './data-dir.js';
import { TransparencyLog, type LogOptions } from './log.js';

export interface ServeOptions extends LogOptions {
  port: number;
  host?: string;
  bodyLimit?: number;
  logLevel?: string;
}

export interface RunningLog {
  log: TransparencyLog;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Open the log in its data directory and serve it; records the address and admin credential there. */
export async function serveLog(opts: ServeOptions): Promise<RunningLog> {
  const host = opts.host ?? '127.0.0.1';
  const publicUrl = opts.publicUrl ?? `http://${host === '0.0.0.0' ? hostname() : host}:${opts.port}`;
  refuseSecondServer(new DataDir(opts.dataDir));
  const log = await TransparencyLog.open({ ...opts, publicUrl });
  const app = await buildApp(log, {
    adminToken: log.dir.adminToken(),
    ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }),
    logger: { level: opts.logLevel ?? 'warn', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
  });
  const address = await app.listen({ port: opts.port, host });
  const url = address.replace('[::1]', '127.0.0.1');
  log.dir.writeServer({ url, pid: process.pid, startedAt: new Date().toISOString() });
  let closing: Promise<void> | undefined;
  return {
    log,
    app,
    url,
    close: () =>
      (closing ??= (async () => {
        await app.close(); // stop taking requests; in-flight ones finish
        await log.close(); // drain the sequencer, then close storage
        log.dir.clearServer();
      })()),
  };
}

/**
 * One server per data directory: two sequencers on one tree would fork it. A record left by
 * a crashed server (its pid gone) does not count.
 */
function refuseSecondServer(dir: DataDir): void {
  const other = dir.readServer();
  if (!other || other.pid === process.pid) return;
  try {
    process.kill(other.pid, 0);
  } catch {
    return; // not running
  }
  throw new SigilError('ERR_CONFIG', `another log server (pid ${other.pid}, ${other.url}) is serving ${dir.path}; stop it first`);
}
