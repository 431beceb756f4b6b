/**
 * Registry credentials the way the docker CLI stores them: `$DOCKER_CONFIG/config.json`
 * (else `~/.docker/config.json`), with `credHelpers` per registry, a default `credsStore`,
 * and inline `auths`. Credentials are only ever returned to the caller, never logged.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SigilError } from '@sigil/core';
import { DOCKER_HUB } from './reference.js';

export type RegistryCredentials =
  | { readonly username: string; readonly password: string }
  /** OAuth2 refresh token (docker's `identitytoken`), exchanged at the token realm. */
  | { readonly identityToken: string }
  /** A bearer token used as is (docker's `registrytoken`). */
  | { readonly registryToken: string };

/** Looks up credentials for a registry name as written in references (`docker.io`, `host:port`). */
export type CredentialSource = (registry: string) => Promise<RegistryCredentials | undefined>;

export interface DockerConfigOptions {
  /** Environment to read DOCKER_CONFIG, HOME and PATH from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Time a credential helper may take (default 10 s). */
  readonly helperTimeoutMs?: number;
}

const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_HELPER_OUTPUT = 64 * 1024;
// The key docker itself uses for Docker Hub in config.json and with credential helpers.
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
  registrytoken?: unknown;
}
interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, unknown>;
  credsStore?: unknown;
}

function authError(message: string, hint?: string, cause?: unknown): SigilError {
  return new SigilError('ERR_OCI_AUTH', message, { ...(hint ? { hint } : {}), ...(cause === undefined ? {} : { cause }) });
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME || homedir(), '.docker', 'config.json');
}

/** A credential source over the docker config; the file is re-read on each lookup. */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialSource {
  const env = options.env ?? process.env;
  const timeout = options.helperTimeoutMs ?? 10_000;
  return async (registry) => {
    const path = dockerConfigPath(env);
    const config = await readConfig(path);
    if (!config) return undefined;
    const helper = lookup(config.credHelpers, registry) ?? config.credsStore;
    if (helper !== undefined && helper !== '') {
      if (typeof helper !== 'string' || !HELPER_NAME.test(helper)) throw authError(`${path}: bad credential helper name`);
      const found = await runHelper(helper, registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry, env, timeout);
      if (found) return found;
    }
    const entry = lookup(config.auths, registry);
    return entry === undefined ? undefined : fromAuthEntry(entry, path);
  };
}

async function readConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    if ((await stat(path)).size > MAX_CONFIG_BYTES) throw authError(`${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof SigilError) throw err;
    throw authError(`cannot read ${path}`, undefined, err);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parse error's message quotes file content, which may be a secret.
    throw authError(`${path} is not valid JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw authError(`${path} is not a JSON object`);
  return doc;
}

/** docker matches keys by hostname: `https://host/v1/`, `host` and `http://host` all name `host`. */
function lookup<T>(map: Record<string, T> | undefined, registry: string): T | undefined {
  if (typeof map !== 'object' || map === null) return undefined;
  const wanted = registry === DOCKER_HUB ? [DOCKER_HUB_SERVER, 'index.docker.io', DOCKER_HUB, 'registry-1.docker.io'] : [registry];
  for (const key of wanted) if (Object.hasOwn(map, key)) return map[key];
  for (const [key, value] of Object.entries(map)) {
    const host = key.replace(/^https?:\/\//i, '').split('/', 1)[0]!.toLowerCase();
    if (wanted.includes(host)) return value;
  }
  return undefined;
}

function fromAuthEntry(entry: AuthEntry, path: string): RegistryCredentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken) return { registryToken: entry.registrytoken };
  if (typeof entry.identitytoken === 'string' && entry.identitytoken) return { identityToken: entry.identitytoken };
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw authError(`${path}: an "auth" entry is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username) {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/**
 * docker-credential-helpers protocol: `docker-credential-<name> get`, the server URL on
 * stdin, `{"ServerURL","Username","Secret"}` on stdout; "credentials not found" means none.
 */
function runHelper(name: string, serverUrl: string, env: NodeJS.ProcessEnv, timeout: number): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = execFile(program, ['get'], { env, timeout, maxBuffer: MAX_HELPER_OUTPUT, windowsHide: true }, (err, stdout) => {
      if (err) {
        if (/credentials not found/i.test(stdout)) return resolve(undefined);
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'is not on PATH' : err.killed ? `did not answer within ${timeout} ms` : 'failed';
        // stdout/stderr are not quoted: a failing helper may have printed a secret.
        return reject(authError(`credential helper ${program} ${why}`, 'check "credHelpers"/"credsStore" in the docker config', err));
      }
      let doc: unknown;
      try {
        doc = JSON.parse(stdout);
      } catch {
        return reject(authError(`credential helper ${program} printed something other than JSON`));
      }
      const { Username, Secret } = (typeof doc === 'object' && doc !== null ? doc : {}) as { Username?: unknown; Secret?: unknown };
      if (typeof Secret !== 'string' || Secret === '') return resolve(undefined);
      if (Username === '<token>') return resolve({ identityToken: Secret });
      if (typeof Username !== 'string') return reject(authError(`credential helper ${program} returned no Username`));
      resolve({ username: Username, password: Secret });
    });
    child.stdin?.on('error', () => undefined); // the helper may exit before reading stdin
    child.stdin?.end(serverUrl);
  });
}
