/**
 * Sigstore certificate extensions (Fulcio `docs/oid-info.md`, `pkg/certificate/extensions.go`):
 * OID 1.3.6.1.4.1.57264.1.N. The deprecated GitHub OIDs .1–.6 carry the bare UTF-8 bytes as
 * the extension value; .8 and later carry a DER UTF8String.
 */

export const SIGSTORE_OID_PREFIX = '1.3.6.1.4.1.57264.1.';
export const OID_ISSUER = '1.3.6.1.4.1.57264.1.1';
export const OID_OTHERNAME_SAN = '1.3.6.1.4.1.57264.1.7';
export const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

export type ExtensionEncoding = 'raw' | 'utf8string';

export interface SigstoreExtension {
  oid: string;
  value: string;
  encoding: ExtensionEncoding;
}

/** The fields of Fulcio's `certificate.Extensions` that a principal or a CI template may set (all but the issuer). */
export const EXTENSION_FIELDS = {
  GithubWorkflowTrigger: { n: 2, yaml: 'github-workflow-trigger' },
  GithubWorkflowSHA: { n: 3, yaml: 'github-workflow-sha' },
  GithubWorkflowName: { n: 4, yaml: 'github-workflow-name' },
  GithubWorkflowRepository: { n: 5, yaml: 'github-workflow-repository' },
  GithubWorkflowRef: { n: 6, yaml: 'github-workflow-ref' },
  BuildSignerURI: { n: 9, yaml: 'build-signer-uri' },
  BuildSignerDigest: { n: 10, yaml: 'build-signer-digest' },
  RunnerEnvironment: { n: 11, yaml: 'runner-environment' },
  SourceRepositoryURI: { n: 12, yaml: 'source-repository-uri' },
  SourceRepositoryDigest: { n: 13, yaml: 'source-repository-digest' },
  SourceRepositoryRef: { n: 14, yaml: 'source-repository-ref' },
  SourceRepositoryIdentifier: { n: 15, yaml: 'source-repository-identifier' },
  SourceRepositoryOwnerURI: { n: 16, yaml: 'source-repository-owner-uri' },
  SourceRepositoryOwnerIdentifier: { n: 17, yaml: 'source-repository-owner-identifier' },
  BuildConfigURI: { n: 18, yaml: 'build-config-uri' },
  BuildConfigDigest: { n: 19, yaml: 'build-config-digest' },
  BuildTrigger: { n: 20, yaml: 'build-trigger' },
  RunInvocationURI: { n: 21, yaml: 'run-invocation-uri' },
  SourceRepositoryVisibilityAtSigning: { n: 22, yaml: 'source-repository-visibility-at-signing' },
  DeploymentEnvironment: { n: 23, yaml: 'deployment-environment' },
  /** The raw `sub` (newest Fulcio); set only by a CI template that asks for it. */
  Subject: { n: 24, yaml: 'subject' },
} as const;

export type ExtensionField = keyof typeof EXTENSION_FIELDS;
export type ExtensionValues = Partial<Record<ExtensionField, string>>;

const BY_NAME = new Map<string, ExtensionField>();
for (const [field, { yaml }] of Object.entries(EXTENSION_FIELDS) as [ExtensionField, { yaml: string }][]) {
  BY_NAME.set(field, field);
  BY_NAME.set(yaml, field);
}

/** An extension template key as Fulcio's JSON (Go field name) or YAML (kebab-case) config spells it. */
export function extensionFieldOf(name: string): ExtensionField | undefined {
  return BY_NAME.get(name);
}

const FIELDS_IN_OID_ORDER = (Object.keys(EXTENSION_FIELDS) as ExtensionField[]).sort((a, b) => EXTENSION_FIELDS[a].n - EXTENSION_FIELDS[b].n);
const FIELDS_BEFORE_ISSUER_V2 = FIELDS_IN_OID_ORDER.filter((x) => EXTENSION_FIELDS[x].n <= 6);
const FIELDS_AFTER_ISSUER_V2 = FIELDS_IN_OID_ORDER.filter((x) => EXTENSION_FIELDS[x].n > 6);

/**
 * Fulcio's `Extensions.Render`: the issuer twice (.1 raw, .8 UTF8String), every other
 * non-empty field once, in OID order.
 */
export function renderExtensions(issuer: string, values: ExtensionValues = {}): SigstoreExtension[] {
  if (issuer === '') throw new Error('extensions must have a non-empty issuer url');
  const out: SigstoreExtension[] = [{ oid: OID_ISSUER, value: issuer, encoding: 'raw' }];
  const emit = (f: ExtensionField) => {
    const value = values[f];
    if (value === undefined || value === '') return;
    const n = EXTENSION_FIELDS[f].n;
    out.push({ oid: SIGSTORE_OID_PREFIX + n, value, encoding: n <= 6 ? 'raw' : 'utf8string' });
  };
  for (const f of FIELDS_BEFORE_ISSUER_V2) emit(f);
  out.push({ oid: OID_ISSUER_V2, value: issuer, encoding: 'utf8string' });
  for (const f of FIELDS_AFTER_ISSUER_V2) emit(f);
  return out;
}
