// Google Cloud: the metadata server signs an ID token for the instance's default service
// account (GCE, GKE workload identity, Cloud Run, Cloud Build). Detection has to cost
// nothing off Google Cloud, because every keyless signing on a laptop passes through here:
//   1. locally: Linux exposes the machine's product name (DMI); when it is readable and not
//      Google's, there is no metadata server to ask (the check cosign makes);
//   2. otherwise one request does both detection and fetch, with a short deadline for the
//      headers, and counts only if the answer carries `Metadata-Flavor: Google`, which
//      a metadata server always sends and a captive portal or proxy does not.
// Any failure falls through to the next source. GCE_METADATA_HOST (host[:port]) moves the
// server, as in Google's own client libraries.
import { readFile } from 'node:fs/promises';
import { readIdentityToken, type IdentityToken } from './claims.js';
import { DEFAULT_FETCH_TIMEOUT_MS, request, type HttpResponse } from './http.js';
import { DEFAULT_AUDIENCE, type Env, type ProviderOptions } from './options.js';

const SOURCE = 'the GCP metadata server';
export const DEFAULT_METADATA_HOST = 'metadata.google.internal';
/** How long a machine that might be on Google Cloud waits for the metadata server's headers. */
export const DEFAULT_GCP_PROBE_TIMEOUT_MS = 1000;
const PRODUCT_NAME_FILE = '/sys/class/dmi/id/product_name';

export interface GcpMetadataOptions extends ProviderOptions {
  /** Default `sigstore`. */
  audience?: string;
  /** Deadline for the metadata server's response headers; default 1 s. */
  probeTimeoutMs?: number;
  /** The DMI product name, or undefined when unknown; read from sysfs by default. */
  productName?: () => Promise<string | undefined>;
}

/** The identity endpoint for `audience`, on GCE_METADATA_HOST when set. */
export function metadataIdentityUrl(env: Env, audience: string): URL {
  const configured = env.GCE_METADATA_HOST?.trim();
  const host = configured || DEFAULT_METADATA_HOST;
  const base = /^https?:\/\//i.test(host) ? host : `http://${host}`;
  const url = new URL('/computeMetadata/v1/instance/service-accounts/default/identity', base);
  // format=full adds the email claims a CA needs for a service account identity.
  url.search = new URLSearchParams({ audience, format: 'full' }).toString();
  return url;
}

async function readProductName(): Promise<string | undefined> {
  try {
    return (await readFile(PRODUCT_NAME_FILE, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * Whether asking the metadata server is worth a request. Cloud Run and Cloud Functions run
 * in a sandbox without DMI, so their environment variables count too.
 */
export async function mayBeOnGoogleCloud(env: Env, productName: () => Promise<string | undefined> = readProductName): Promise<boolean> {
  if (env.GCE_METADATA_HOST) return true;
  if (env.K_SERVICE || env.CLOUD_RUN_JOB || env.FUNCTION_TARGET) return true;
  const name = await productName();
  // Unknown (macOS, Windows, a container hiding sysfs): ask, within the short deadline.
  if (name === undefined) return true;
  return name === 'Google' || name === 'Google Compute Engine';
}

/** A token from the metadata server, or undefined when there is none to ask or it fails. */
export async function gcpMetadataToken(opts: GcpMetadataOptions = {}): Promise<IdentityToken | undefined> {
  const env = opts.env ?? process.env;
  if (!(await mayBeOnGoogleCloud(env, opts.productName))) return undefined;
  let url: URL;
  try {
    url = metadataIdentityUrl(env, opts.audience ?? DEFAULT_AUDIENCE);
  } catch {
    return undefined;
  }
  let res: HttpResponse;
  try {
    res = await request(SOURCE, {
      url,
      headers: { 'metadata-flavor': 'Google', accept: 'text/plain' },
      timeoutMs: opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
      headersTimeoutMs: opts.probeTimeoutMs ?? DEFAULT_GCP_PROBE_TIMEOUT_MS,
      signal: opts.signal,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return undefined;
  }
  if (res.headers.get('metadata-flavor') !== 'Google' || res.status !== 200) return undefined;
  // The server did answer with a token: a malformed or expired one is an error, not a miss.
  return readIdentityToken(res.body.toString('utf8'), 'gcp', SOURCE, (opts.now ?? Date.now)());
}
