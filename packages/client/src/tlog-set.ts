import { canonicalJsonBytes, encodeBase64, verifyWithKey } from '@sigil/core';
import type { TlogEntry } from './bundle.js';
import { fail } from './fail.js';
import { validForContains, type TransparencyLog } from './trusted-root.js';

/**
 * Signed entry timestamp (PROTOCOLS §1.3): the log's signature over the JCS form of
 * {body, integratedTime, logID, logIndex}, checked with the trusted-root log whose log ID
 * is the entry's and whose key was valid at integratedTime. Failures: ERR_VERIFY_TLOG_SET.
 */
export function verifyTlogSet(entry: TlogEntry, tlogs: readonly TransparencyLog[]): void {
  const promise = entry.inclusionPromise;
  if (!promise) return fail('ERR_VERIFY_TLOG_SET', 'tlog entry has no signed entry timestamp');
  const when = entry.integratedTime * 1000;
  if (entry.integratedTime <= 0) fail('ERR_VERIFY_TLOG_SET', 'tlog entry with a signed entry timestamp has no integratedTime');
  const logs = tlogs.filter((l) => l.logId.equals(entry.logId));
  if (logs.length === 0) fail('ERR_VERIFY_TLOG_SET', `tlog entry is from a log not in the trusted root (${entry.logId.toString('base64')})`);
  const valid = logs.filter((l) => validForContains(l.validFor, when));
  if (valid.length === 0) fail('ERR_VERIFY_TLOG_SET', `the log key was not valid at integratedTime ${new Date(when).toISOString()}`);
  const payload = canonicalJsonBytes({
    body: encodeBase64(entry.canonicalizedBody),
    integratedTime: entry.integratedTime,
    logID: entry.logId.toString('hex'),
    logIndex: entry.logIndex,
  });
  const ok = valid.some((l) => verifyWithKey(l.key, l.hash, payload, promise.signedEntryTimestamp));
  if (!ok) fail('ERR_VERIFY_TLOG_SET', 'signed entry timestamp does not verify');
}
