// Signing keys of the two development issuers: ES256, generated once and, when a data
// directory is given, kept in `<dataDir>/oidc-keys.json` (mode 0600) so tokens and the
// CA's cached JWKS survive a restart. Without a data directory the keys live in memory.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export const KEYS_FILE = 'oidc-keys.json';

/** One issuer's key: the private JWK oidc-provider wants, the public JWK for a JWKS, and a signing key. */
export interface IssuerKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  signingKey: CryptoKey;
}

export interface IssuerKeys {
  login: IssuerKey;
  ci: IssuerKey;
}

interface KeysFile {
  version: 1;
  login: JWK;
  ci: JWK;
}

async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' };
}

async function toIssuerKey(privateJwk: JWK): Promise<IssuerKey> {
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || typeof privateJwk.d !== 'string') {
    throw new Error('oidc-dev: stored key is not a private P-256 JWK');
  }
  const publicPart: JWK = { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y };
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(publicPart));
  const full: JWK = { ...privateJwk, kid, alg: 'ES256', use: 'sig' };
  const signingKey = await importJWK(full, 'ES256');
  if (signingKey instanceof Uint8Array) throw new Error('oidc-dev: expected an asymmetric key');
  const publicJwk: JWK = { ...publicPart, kid, alg: 'ES256', use: 'sig' };
  return { kid, privateJwk: full, publicJwk, signingKey };
}

function parseKeysFile(text: string, path: string): KeysFile {
  const parsed = JSON.parse(text) as Partial<KeysFile>;
  if (parsed.version !== 1 || typeof parsed.login !== 'object' || typeof parsed.ci !== 'object') {
    throw new Error(`oidc-dev: ${path} is not an oidc-dev key file`);
  }
  return parsed as KeysFile;
}

/** Loads the issuers' keys from `dataDir`, creating them on first use; ephemeral keys without one. */
export async function loadOrCreateIssuerKeys(dataDir?: string): Promise<IssuerKeys> {
  if (dataDir === undefined) {
    return { login: await toIssuerKey(await generatePrivateJwk()), ci: await toIssuerKey(await generatePrivateJwk()) };
  }
  const path = join(dataDir, KEYS_FILE);
  let stored: KeysFile;
  try {
    stored = parseKeysFile(await readFile(path, 'utf8'), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    stored = { version: 1, login: await generatePrivateJwk(), ci: await generatePrivateJwk() };
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // Write then rename, so a crash never leaves a half-written key file behind.
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600); // the umask may have narrowed it further; never wider
    await rename(tmp, path);
  }
  return { login: await toIssuerKey(stored.login), ci: await toIssuerKey(stored.ci) };
}
