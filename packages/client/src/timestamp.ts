import type { Bundle } from './bundle.js';
import { fail } from './fail.js';
import { verifyTimestamp } from './rfc3161.js';
import type { TrustMaterial } from './trusted-root.js';
import type { Certificate } from './x509.js';

/**
 * Trusted signing times: the integratedTime of each entry whose SET verified, and the
 * genTime of each RFC 3161 timestamp verified against the trusted TSAs (an entry with only
 * an inclusion proof gives no time). At least `threshold` distinct times are needed; none
 * may lie in the future; each must fall inside the signing certificate's validity (RS-44).
 * Failures: ERR_VERIFY_TIMESTAMP.
 */
export interface TrustedTime {
  source: 'tlog' | 'rfc3161';
  /** Milliseconds since the epoch. */
  time: number;
}

export function verifyTimestamps(
  bundle: Bundle,
  signature: Buffer,
  trust: TrustMaterial,
  leaf: Certificate | undefined,
  now: number,
  threshold: number,
): TrustedTime[] {
  const times: TrustedTime[] = [];
  const seen = new Set<string>();
  const add = (t: TrustedTime): void => {
    const key = `${t.source}:${t.time}`;
    if (seen.has(key)) return;
    seen.add(key);
    times.push(t);
  };
  // Entries reach this point only after their SETs verified (ERR_VERIFY_TLOG_SET runs first).
  for (const e of bundle.tlogEntries) if (e.inclusionPromise) add({ source: 'tlog', time: e.integratedTime * 1000 });
  for (const der of bundle.rfc3161Timestamps) add({ source: 'rfc3161', time: verifyTimestamp(der, signature, trust.timestampAuthorities) });
  if (times.length < threshold) {
    fail('ERR_VERIFY_TIMESTAMP', times.length === 0 ? 'no trusted signing time: the bundle has no signed entry timestamp and no RFC 3161 timestamp' : `expected ${threshold} trusted times, got ${times.length}`);
  }
  for (const t of times) {
    const iso = new Date(t.time).toISOString();
    if (t.time > now) fail('ERR_VERIFY_TIMESTAMP', `${t.source} time ${iso} is in the future`);
    if (leaf && (t.time < leaf.notBefore || t.time > leaf.notAfter)) {
      fail('ERR_VERIFY_TIMESTAMP', `${t.source} time ${iso} is outside the signing certificate's validity (${new Date(leaf.notBefore).toISOString()} – ${new Date(leaf.notAfter).toISOString()})`);
    }
  }
  return times;
}
