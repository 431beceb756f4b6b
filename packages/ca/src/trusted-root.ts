import { encodeBase64 } from '@sigil/core';
import type { CertificateAuthority } from './authority.js';

/** protobuf-specs `CertificateAuthority` (TrustedRoot.certificateAuthorities[]) in proto3 JSON. */
export interface TrustedRootCertificateAuthority {
  subject: { organization: string; commonName: string };
  uri: string;
  certChain: { certificates: Array<{ rawBytes: string }> };
  validFor: { start: string; end?: string };
  operator?: string;
}

/**
 * This CA as a trusted-root entry: the root's subject, the chain intermediate → root
 * (the last is the trust anchor), valid from the root's notBefore (whole seconds).
 */
export function caTrustedRootEntry(ca: CertificateAuthority, opts: { uri: string; operator?: string }): TrustedRootCertificateAuthority {
  const chain = ca.signer.chain;
  const root = chain[chain.length - 1]!;
  const attr = (type: string) => root.subjectName.getField(type)[0] ?? '';
  const start = new Date(Math.floor(root.notBefore.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    subject: { organization: attr('O'), commonName: attr('CN') },
    uri: opts.uri,
    certChain: { certificates: chain.map((c) => ({ rawBytes: encodeBase64(new Uint8Array(c.rawData)) })) },
    validFor: { start },
    ...(opts.operator ? { operator: opts.operator } : {}),
  };
}
