import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { SigilError } from '@sigil/core';
import { CertificateAuthority } from './authority.js';
import { parseIssuerConfig, type IssuerConfig, type IssuerConfigInput } from './config.js';
import { buildCaApp } from './http/app.js';
import { fileCaSigner } from './key-backend/file.js';
import type { CaNames } from './key-backend/hierarchy.js';

export interface ServeCaOptions {
  port: number;
  host?: string;
  /** Holds the CA keys (encrypted) and certificates; created on first start. */
  dataDir: string;
  /** The issuer configuration, or the path of a JSON file holding it. */
  issuerConfig: IssuerConfig | IssuerConfigInput | string;
  /** Passphrase of the CA keys (default SIGIL_CA_PASSWORD, see fileCaSigner). */
  password?: string;
  names?: CaNames;
  bodyLimit?: number;
  logLevel?: string;
}

export interface RunningCa {
  ca: CertificateAuthority;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The CA alone on HTTP, keys from `dataDir`. */
export async function serveCa(opts: ServeCaOptions): Promise<RunningCa> {
  let issuers = opts.issuerConfig;
  if (typeof issuers === 'string') {
    const file = issuers;
    try {
      issuers = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new SigilError('ERR_CONFIG', `cannot read the issuer configuration ${file}`, { cause });
    }
  }
  const signer = await fileCaSigner({ dir: opts.dataDir, ...(opts.password === undefined ? {} : { password: opts.password }), ...(opts.names ? { names: opts.names } : {}) });
  const ca = await CertificateAuthority.create({ signer, issuers: typeof issuers === 'string' ? parseIssuerConfig(issuers) : issuers });
  const app = await buildCaApp(ca, { logger: { level: opts.logLevel ?? 'warn' }, ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }) });
  const address = await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  return { ca, app, url: address.replace('[::1]', '127.0.0.1'), close: () => app.close() };
}
