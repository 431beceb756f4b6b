import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SigilError } from '@sigil/core';
import { writeAtomic } from '@sigil/log';
import { serveOidc, type CiEnv } from '@sigil/oidc-dev';
import { parseIntOption } from './log-serve.js';

/** Where a running provider leaves its simulated job's variables (0600), for `sigil oidc ci-env`. */
export const CI_ENV_FILE = 'ci-env.json';

export function writeCiEnv(dir: string, env: CiEnv): void {
  writeAtomic(join(dir, CI_ENV_FILE), JSON.stringify(env, null, 2) + '\n', 0o600);
}

export async function oidcServe(o: { data: string; port: string; host: string; url?: string }): Promise<void> {
  const dir = resolve(o.data);
  const server = await serveOidc({ port: parseIntOption(o.port, '--port', 0, 65535), host: o.host, dataDir: dir, ...(o.url ? { baseUrl: o.url } : {}) });
  const env = server.dev.ciEnv();
  writeCiEnv(dir, env);
  process.stdout.write(`
Development OpenID provider at ${server.url} (any email is accepted: never use it in production)
  login issuer (email identities):   ${server.dev.loginIssuer}
  CI issuer (GitHub-style tokens):   ${server.dev.ciIssuer}

Act as a GitHub Actions job:
  export ACTIONS_ID_TOKEN_REQUEST_URL='${env.ACTIONS_ID_TOKEN_REQUEST_URL}'
  export ACTIONS_ID_TOKEN_REQUEST_TOKEN='${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}'
`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export function ciEnv(o: { data: string }): Promise<void> {
  const dir = resolve(o.data);
  const file = [join(dir, CI_ENV_FILE), join(dir, 'oidc', CI_ENV_FILE)].find((f) => existsSync(f));
  if (!file) throw new SigilError('ERR_NOT_FOUND', `no running provider recorded in ${dir} (start one with: sigil up --data ${o.data})`);
  const env = JSON.parse(readFileSync(file, 'utf8')) as CiEnv;
  process.stdout.write(`export ACTIONS_ID_TOKEN_REQUEST_URL='${env.ACTIONS_ID_TOKEN_REQUEST_URL}'\nexport ACTIONS_ID_TOKEN_REQUEST_TOKEN='${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}'\n`);
  return Promise.resolve();
}
