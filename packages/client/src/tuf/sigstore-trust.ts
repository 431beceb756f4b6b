/**
 * Sigstore trust material (trusted_root.json, signing_config.json) fetched through TUF, the
 * way sigstore-js and cosign get it for the public-good instance: a local cache seeded with a
 * trusted root.json, refreshed from a mirror by tuf-js, targets verified against the signed
 * targets metadata before they are returned.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SigilError } from '@sigil/core';
import { Updater } from 'tuf-js';
import { defaultCacheRoot, joinInside, mirrorDirName } from './cache-dir.js';
import { BoundedFetcher } from './fetcher.js';
import { PUBLIC_GOOD_MIRROR, PUBLIC_GOOD_ROOT_JSON } from './public-good-root.js';
import { MAX_TARGET_BYTES, readTarget } from './target.js';
import { tufError } from './tuf-error.js';

export const TRUSTED_ROOT_TARGET = 'trusted_root.json';
export const SIGNING_CONFIG_TARGET = 'signing_config.v0.2.json';

export interface FetchSigstoreTrustOptions {
  /** Base URL of the TUF repository. Default: the public-good instance's CDN. */
  mirror?: string;
  /**
   * The root.json (JSON text or bytes) a fresh cache starts from. Ignored once the cache holds
   * a root. Default: the embedded public-good root, and only for the public-good mirror.
   */
  initialRoot?: Uint8Array | string;
  /** Root of the TUF cache; each mirror gets its own subdirectory. Default: {@link defaultCacheRoot}. */
  cacheDir?: string;
  /** Answer from the cache, without network, while the cached metadata has not expired. */
  forceCache?: boolean;
  /** Limit on each HTTP request, connect to last byte. Default 10 s. */
  fetchTimeoutMs?: number;
}

export interface SigstoreTrust {
  /** The raw JSON text of the `trusted_root.json` target. */
  trustedRoot: string;
  /** The raw JSON text of `signing_config.v0.2.json`; absent when the repository has none. */
  signingConfig?: string;
  /** True when no network request was made. */
  fromCache: boolean;
}

// Public-good sizes today: root ≈ 6 KB, timestamp ≈ 1 KB, snapshot ≈ 1 KB, targets ≈ 10 KB.
// The limits leave room to grow by two orders of magnitude and no more.
const LIMITS = {
  rootMaxLength: 512 * 1024,
  timestampMaxLength: 16 * 1024,
  snapshotMaxLength: 1024 * 1024,
  targetsMaxLength: 2 * 1024 * 1024,
};
const MAX_DOWNLOAD_BYTES = Math.max(...Object.values(LIMITS), MAX_TARGET_BYTES);
const DEFAULT_TIMEOUT_MS = 10_000;
const USER_AGENT = 'sigil-tuf';

/** Updates the TUF metadata for `mirror` and returns the Sigstore targets it signs. */
export async function fetchSigstoreTrust(options: FetchSigstoreTrustOptions = {}): Promise<SigstoreTrust> {
  const client = await openTrustCache(options);
  const { updater, fetcher, targetsDir, mirror } = client;
  try {
    await updater.refresh();
  } catch (err) {
    throw tufError(
      `updating TUF metadata from ${mirror}`,
      err,
      `check that the mirror is reachable and serves valid TUF metadata; the local TUF cache is ${client.dir}`,
    );
  }
  const trustedRoot = await readTarget(updater, targetsDir, TRUSTED_ROOT_TARGET);
  if (trustedRoot === undefined) {
    throw new SigilError('ERR_TUF', `the TUF repository at ${mirror} has no target ${TRUSTED_ROOT_TARGET}`);
  }
  const signingConfig = await readTarget(updater, targetsDir, SIGNING_CONFIG_TARGET);
  return { trustedRoot, ...(signingConfig !== undefined && { signingConfig }), fromCache: fetcher.requests === 0 };
}

export interface TrustCache {
  mirror: string;
  dir: string;
  targetsDir: string;
  updater: Updater;
  fetcher: BoundedFetcher;
}

/** The per-mirror cache, created and seeded with a root when new, with a tuf-js updater over it. */
export async function openTrustCache(options: FetchSigstoreTrustOptions): Promise<TrustCache> {
  const url = parseMirror(options.mirror ?? PUBLIC_GOOD_MIRROR);
  const mirror = url.href.replace(/\/+$/, '');
  const dir = joinInside(options.cacheDir ?? defaultCacheRoot(), mirrorDirName(url));
  const targetsDir = join(dir, 'targets');
  try {
    await mkdir(targetsDir, { recursive: true });
  } catch (err) {
    throw tufError(`creating the TUF cache ${dir}`, err);
  }
  const initialRoot = options.initialRoot ?? (mirror === PUBLIC_GOOD_MIRROR ? PUBLIC_GOOD_ROOT_JSON : undefined);
  const seeded = await seedRoot(dir, mirror, initialRoot);
  const fetcher = new BoundedFetcher({
    timeoutMs: options.fetchTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: MAX_DOWNLOAD_BYTES,
    userAgent: USER_AGENT,
  });
  let updater: Updater;
  try {
    updater = new Updater({
      metadataBaseUrl: mirror,
      metadataDir: dir,
      targetBaseUrl: `${mirror}/targets`,
      targetDir: targetsDir,
      fetcher,
      forceCache: options.forceCache ?? false,
      config: { ...LIMITS, prefixTargetsWithHash: true },
    });
  } catch (err) {
    // A root that was just written and does not verify must not stay to poison later runs.
    if (seeded) await rm(join(dir, 'root.json'), { force: true });
    const hint = seeded
      ? 'the initial root.json is not a valid, self-signed TUF root'
      : `the cached root.json is damaged: delete ${dir} to start again from the initial root`;
    throw tufError(`loading the trusted TUF root for ${mirror}`, err, hint);
  }
  return { mirror, dir, targetsDir, updater, fetcher };
}

function parseMirror(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new SigilError('ERR_TUF', `TUF mirror ${JSON.stringify(text)} is not a URL`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SigilError('ERR_TUF', `TUF mirror ${url.href} must be an http(s) URL`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new SigilError('ERR_TUF', `TUF mirror ${url.origin}${url.pathname} must not carry credentials, a query or a fragment`);
  }
  return url;
}

/** Writes root.json when the cache has none; true when it did. */
async function seedRoot(dir: string, mirror: string, initialRoot: Uint8Array | string | undefined): Promise<boolean> {
  const rootPath = join(dir, 'root.json');
  if (existsSync(rootPath)) return false;
  if (initialRoot === undefined) {
    throw new SigilError('ERR_TUF', `no trusted TUF root for mirror ${mirror}`, {
      hint: "pass the repository's initial root.json (it is the trust anchor; TUF cannot fetch it safely)",
    });
  }
  // Write then rename, so a concurrent run never reads half a root.
  const tmp = join(dir, `.root.json.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, initialRoot, { flag: 'wx' });
    await rename(tmp, rootPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw tufError(`seeding the TUF cache ${dir}`, err);
  }
  return true;
}
