import type { TlogJson } from '@sigil/log';

/** protobuf-specs TrustedRoot for a whole stack: the log's keys and the CA's chain. */
export function stackTrustedRoot(tlogs: TlogJson[], certificateAuthorities: unknown[]): Record<string, unknown> {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs,
    certificateAuthorities,
    ctlogs: [],
    timestampAuthorities: [],
  };
}

/** protobuf-specs SigningConfig v0.2: where a client gets certificates, tokens and log entries. */
export function stackSigningConfig(base: { ca: string; oidc: string; log: string }, start: string, operator: string): Record<string, unknown> {
  const service = (url: string) => ({ url, majorApiVersion: 1, validFor: { start }, operator });
  return {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [service(base.ca)],
    oidcUrls: [service(base.oidc)],
    rekorTlogUrls: [service(base.log)],
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls: [],
    tsaConfig: { selector: 'ANY' },
  };
}
