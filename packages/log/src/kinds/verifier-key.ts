import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { decodePemBlocks, describePublicKey, encodePem, type PublicKeyInfo } from '@sigil/core';
import { LIMITS, fail, invalid, quote, withField } from './common.js';

/** A PEM public key or certificate from an entry, parsed the way Rekor's pkg/pki/x509 does. */
export interface VerifierKey {
  info: PublicKeyInfo;
  /**
   * Rekor's `CanonicalValue()`: a `PUBLIC KEY` PEM re-encoded from the SPKI DER, or a
   * `CERTIFICATE` PEM re-encoded from the certificate DER; 64-column lines, final newline.
   */
  canonicalPem: string;
  /** Certificate SANs (DNS names, emails, IPs, URIs) as Rekor's `Subjects()`; empty for a bare key. */
  subjects: string[];
}

const PRINTABLE = /^[\t\n\r\x20-\x7e]*$/;

/**
 * Parse the bytes of a PEM `PUBLIC KEY` or `CERTIFICATE` (exactly one block, surrounding
 * whitespace allowed). Certificate chains, other block types, trailing DER data and
 * non-canonical SPKI encodings (e.g. compressed EC points, which Go refuses) are rejected.
 * The certificate's validity window is not checked: the log records, verifiers judge time.
 */
export function parseVerifierKey(pem: Buffer, field: string): VerifierKey {
  // Key-based signers send the same key again and again: parse each one once.
  const cacheKey = pem.toString('latin1');
  const hit = parsed.get(cacheKey);
  if (hit) return hit;
  const key = parseVerifierKeyUncached(pem, field);
  if (parsed.size >= PARSED_CACHE) parsed.delete(parsed.keys().next().value!);
  parsed.set(cacheKey, key);
  return key;
}

const PARSED_CACHE = 512;
const parsed = new Map<string, VerifierKey>();

function parseVerifierKeyUncached(pem: Buffer, field: string): VerifierKey {
  const text = pem.toString('latin1');
  if (!PRINTABLE.test(text)) throw fail('ERR_ENCODING', `${field} is not PEM text (it has non-ASCII or control bytes)`);
  const trimmed = text.trim();
  const begins = trimmed.split('-----BEGIN ').length - 1;
  if (!trimmed.startsWith('-----BEGIN ') || !trimmed.endsWith('-----') || begins === 0) {
    throw fail('ERR_ENCODING', `${field} is not a PEM public key or certificate (expected "-----BEGIN PUBLIC KEY-----" or "-----BEGIN CERTIFICATE-----")`);
  }
  if (begins > LIMITS.pemBlocks) throw invalid(`${field} has too many PEM blocks (${begins})`);
  const blocks = withField(field, () => decodePemBlocks(trimmed));
  const ends = trimmed.split('-----END ').length - 1;
  const last = blocks[blocks.length - 1];
  if (blocks.length !== begins || ends !== begins || last === undefined || !trimmed.endsWith(`-----END ${last.type}-----`)) {
    throw fail('ERR_ENCODING', `${field} is not well-formed PEM (unterminated, mismatched or trailing BEGIN/END lines)`);
  }
  const block = blocks[0];
  if (blocks.length > 1 || block === undefined) {
    if (blocks.every((b) => b.type === 'CERTIFICATE')) {
      throw invalid(`${field} holds ${blocks.length} certificates; certificate chains are not supported, submit the signing certificate only`);
    }
    throw fail('ERR_ENCODING', `${field} must hold exactly one PEM block, found ${blocks.length}`);
  }
  if (block.der.length === 0) throw fail('ERR_ENCODING', `${field} has an empty PEM body`);
  switch (block.type) {
    case 'PUBLIC KEY':
      return parseSpki(block.der, field);
    case 'CERTIFICATE':
      return parseCertificate(block.der, field);
    default:
      throw fail('ERR_ENCODING', `${field} has PEM type ${quote(block.type)}; expected PUBLIC KEY or CERTIFICATE`);
  }
}

function parseSpki(der: Buffer, field: string): VerifierKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (cause) {
    throw fail('ERR_ENCODING', `${field} is not a valid PKIX (SubjectPublicKeyInfo) public key`, cause);
  }
  const info = withField(field, () => describePublicKey(key));
  if (!info.spki.equals(der)) {
    throw fail('ERR_ENCODING', `${field} is not a canonical DER SubjectPublicKeyInfo (e.g. a compressed EC point or trailing data)`);
  }
  return { info, canonicalPem: encodePem('PUBLIC KEY', info.spki), subjects: [] };
}

function parseCertificate(der: Buffer, field: string): VerifierKey {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw fail('ERR_ENCODING', `${field} is not a parseable X.509 certificate`, cause);
  }
  if (!cert.raw.equals(der)) throw fail('ERR_ENCODING', `${field} has data after the certificate's DER encoding`);
  let key: KeyObject;
  try {
    key = cert.publicKey;
  } catch (cause) {
    throw fail('ERR_UNSUPPORTED_KEY', `${field}: the certificate's public key cannot be used`, cause);
  }
  const info = withField(field, () => describePublicKey(key));
  return { info, canonicalPem: encodePem('CERTIFICATE', cert.raw), subjects: certificateSubjects(cert) };
}

/**
 * SANs in the order Go's cryptoutils.GetSubjectAlternateNames lists them: DNS names,
 * emails, IP addresses, URIs. (Rekor also adds Fulcio's otherName username SAN, which
 * node:crypto does not print; such certificates index by their other keys.)
 */
export function certificateSubjects(cert: X509Certificate): string[] {
  const names = parseSubjectAltName(cert.subjectAltName ?? '');
  const of = (type: string): string[] => names.filter((n) => n.type === type).map((n) => n.value);
  return [...of('DNS'), ...of('email'), ...of('IP Address').map(normalizeIp), ...of('URI')];
}

export interface AltName {
  type: string;
  value: string;
}

/**
 * Parse node:crypto's `X509Certificate.subjectAltName`: `type:value` items joined by
 * ", ". A value with a comma, quote or unusual character is printed as a JSON string
 * literal (`URI:"https://a/x\u002cy"`); plain values never contain ", ". Stops at the
 * first item it cannot read (SANs only feed the best-effort search index).
 */
export function parseSubjectAltName(text: string): AltName[] {
  const out: AltName[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      if (k >= text.length) break;
      try {
        const parsed: unknown = JSON.parse(text.slice(j, k + 1));
        if (typeof parsed !== 'string') break;
        value = parsed;
      } catch {
        break;
      }
      j = k + 1;
    } else {
      const end = text.indexOf(', ', j);
      const stop = end < 0 ? text.length : end;
      value = text.slice(j, stop);
      j = stop;
    }
    out.push({ type, value });
    if (j >= text.length) break;
    if (!text.startsWith(', ', j)) break;
    i = j + 2;
  }
  return out;
}

/** node prints IPv6 SANs uncompressed and uppercase; Go's net.IP.String() compresses them. */
function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}
