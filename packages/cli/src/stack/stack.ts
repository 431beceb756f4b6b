import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { CertificateAuthority, caTrustedRootEntry, fileCaSigner, registerCaRoutes } from '@sigil/ca';
import { REDACT_PATHS, notFound } from '@sigil/http';
import { TransparencyLog, logErrorHandler, registerLogRoutes, trustedRootTlogs, writeAtomic } from '@sigil/log';
import { createOidcDev, type OidcDev } from '@sigil/oidc-dev';
import { writeCiEnv } from '../commands/oidc.js';
import { stackSigningConfig, stackTrustedRoot } from './trust-documents.js';

export interface StackOptions {
  dataDir: string;
  port: number;
  host?: string;
  /** Public base URL of the whole stack; default http://HOST:PORT. */
  publicUrl?: string;
  logLevel?: string;
}

export interface RunningStack {
  url: string;
  log: TransparencyLog;
  ca: CertificateAuthority;
  oidc: OidcDev;
  app: FastifyInstance;
  trustedRootPath: string;
  signingConfigPath: string;
  /** Write trusted_root.json and signing_config.json (atomically). */
  writeTrustDocuments(): void;
  close(): Promise<void>;
}

/**
 * Log, CA and OIDC provider on one origin: Rekor's /api/v1, Fulcio's /api/v2 and the
 * provider's /oidc and /ci paths do not collide. State lives under DIR (log/, ca/, oidc/).
 */
export async function startStack(opts: StackOptions): Promise<RunningStack> {
  const host = opts.host ?? '127.0.0.1';
  // Every service names the origin in its identity (issuer URLs, checkpoint signer), so
  // the port must be known before anything starts.
  const port = opts.port === 0 ? await freePort(host) : opts.port;
  const base = (opts.publicUrl ?? `http://${host}:${port}`).replace(/\/+$/, '');
  const log = await TransparencyLog.open({ dataDir: join(opts.dataDir, 'log'), publicUrl: base, verifyWorkers: 1, onNotice: (m) => process.stderr.write(`sigil up: log: ${m}\n`) });
  const oidc = await createOidcDev({ baseUrl: base, dataDir: join(opts.dataDir, 'oidc') });
  const ca = await CertificateAuthority.create({
    signer: await fileCaSigner({ dir: join(opts.dataDir, 'ca') }),
    issuers: {
      OIDCIssuers: {
        [oidc.loginIssuer]: { IssuerURL: oidc.loginIssuer, ClientID: 'sigstore', Type: 'email' },
        [oidc.ciIssuer]: { IssuerURL: oidc.ciIssuer, ClientID: 'sigstore', Type: 'github-workflow' },
      },
    },
  });
  const app = Fastify({
    bodyLimit: 1024 * 1024,
    logger: { level: opts.logLevel ?? 'warn', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
    serverFactory: (handler) =>
      createServer((req: IncomingMessage, res: ServerResponse) => {
        if (oidc.handles(req.url ?? '/')) oidc.handle(req, res);
        else handler(req, res);
      }),
  });
  app.setErrorHandler(logErrorHandler);
  app.setNotFoundHandler(notFound);
  await registerLogRoutes(app, log, { adminToken: log.dir.adminToken() });
  await app.register(async (scope) => registerCaRoutes(scope, ca));
  const address = await app.listen({ port, host });
  const url = address.replace('[::1]', '127.0.0.1');
  log.dir.writeServer({ url, pid: process.pid, startedAt: new Date().toISOString() });

  const trustedRootPath = join(opts.dataDir, 'trusted_root.json');
  const signingConfigPath = join(opts.dataDir, 'signing_config.json');
  const started = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const writeTrustDocuments = () => {
    const root = stackTrustedRoot(trustedRootTlogs(log), [caTrustedRootEntry(ca, { uri: base })]);
    writeAtomic(signingConfigPath, JSON.stringify(stackSigningConfig({ ca: base, oidc: oidc.loginIssuer, log: base }, started, new URL(base).host), null, 2) + '\n');
    // trusted_root.json last: a script waiting for it finds everything else in place.
    writeAtomic(trustedRootPath, JSON.stringify(root, null, 2) + '\n');
  };
  log.onRotate(writeTrustDocuments);
  writeCiEnv(join(opts.dataDir, 'oidc'), oidc.ciEnv());
  let closing: Promise<void> | undefined;
  return {
    url, log, ca, oidc, app, trustedRootPath, signingConfigPath, writeTrustDocuments,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await log.close();
        await oidc.close();
        log.dir.clearServer();
      })()),
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer().listen(0, host, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
