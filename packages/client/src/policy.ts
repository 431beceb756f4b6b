import type { KeyObject } from 'node:crypto';
import { fail } from './fail.js';
import { OID, fulcioExtensions, fulcioIssuer, type Certificate } from './x509.js';

/**
 * Who may have signed. Keyless: the SAN and the OIDC issuer (extension `.1.8`, else `.1.1`)
 * must each match exactly or by a fully anchored regular expression; optional GitHub
 * workflow values (the deprecated `.2`–`.6` OIDs, as cosign checks) and any other
 * extension values must match exactly. Keyless verification without both an identity and
 * an issuer rule is refused unless `insecureAnyIdentity` (RS-61). Managed-key bundles
 * need `publicKey`. Failures: ERR_VERIFY_POLICY.
 */
export interface Policy {
  /** Exact SAN (email, URI, …). */
  identity?: string;
  /** SAN regular expression; always matched against the whole SAN (`^(?:…)$`). */
  identityRegExp?: string | RegExp;
  /** Exact OIDC issuer. */
  issuer?: string;
  /** Issuer regular expression; always anchored. */
  issuerRegExp?: string | RegExp;
  githubWorkflowTrigger?: string;
  githubWorkflowSha?: string;
  githubWorkflowName?: string;
  githubWorkflowRepository?: string;
  githubWorkflowRef?: string;
  /** Other certificate extension values that must match exactly, by OID. */
  extensions?: Record<string, string>;
  /** Accept any keyless identity. Loudly named on purpose. */
  insecureAnyIdentity?: boolean;
  /** The managed key for bundles that carry a public key hint instead of a certificate. */
  publicKey?: KeyObject;
  /** SCTs required: default 1 when the trusted root lists CT logs, else 0. */
  ctlogThreshold?: number;
  /** Transparency log entries required (default 1). */
  tlogThreshold?: number;
  /** Trusted times required (default 1). */
  timestampThreshold?: number;
  /** Refuse any root certificate in a bundle's chain, even a trusted one. */
  strictBundleChain?: boolean;
}

export interface Identity {
  /** The SAN the policy matched (the first SAN when any identity is accepted). */
  san: string;
  sans: string[];
  issuer?: string;
  /** Sigstore extension values (1.3.6.1.4.1.57264.1.*) by OID. */
  extensions: Record<string, string>;
}

const GITHUB: [keyof Policy, string][] = [
  ['githubWorkflowTrigger', `${OID.fulcioPrefix}2`],
  ['githubWorkflowSha', `${OID.fulcioPrefix}3`],
  ['githubWorkflowName', `${OID.fulcioPrefix}4`],
  ['githubWorkflowRepository', `${OID.fulcioPrefix}5`],
  ['githubWorkflowRef', `${OID.fulcioPrefix}6`],
];

/** Refuse a policy that cannot judge this kind of bundle (checked before any crypto). */
export function checkPolicyShape(policy: Policy, keyless: boolean): void {
  const hasIdentity = policy.identity !== undefined || policy.identityRegExp !== undefined;
  const hasIssuer = policy.issuer !== undefined || policy.issuerRegExp !== undefined;
  if (policy.identityRegExp !== undefined) anchored(policy.identityRegExp);
  if (policy.issuerRegExp !== undefined) anchored(policy.issuerRegExp);
  if (keyless) {
    if (!policy.insecureAnyIdentity && !(hasIdentity && hasIssuer)) {
      fail('ERR_VERIFY_POLICY', 'keyless verification needs both an identity and an issuer policy (or insecureAnyIdentity)');
    }
    if (policy.publicKey) fail('ERR_VERIFY_POLICY', 'the bundle is signed with a certificate, not the given public key');
    return;
  }
  if (!policy.publicKey) fail('ERR_VERIFY_POLICY', 'the bundle is signed with a managed key: a public key is required');
  if (hasIdentity || hasIssuer) fail('ERR_VERIFY_POLICY', 'the bundle is signed with a managed key: certificate identity policies do not apply');
}

const compiled = new Map<string, RegExp>();

/** Compile a policy pattern anchored at both ends (compiled once per pattern). */
export function anchored(pattern: string | RegExp): RegExp {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[gy]/g, '');
  const key = `${flags}/${source}`;
  let re = compiled.get(key);
  if (re) return re;
  try {
    re = new RegExp(`^(?:${source})$`, flags);
  } catch (cause) {
    return fail('ERR_VERIFY_POLICY', `invalid policy regular expression ${JSON.stringify(source)}`, cause);
  }
  if (compiled.size >= 256) compiled.clear();
  compiled.set(key, re);
  return re;
}

function matches(value: string | undefined, exact: string | undefined, re: string | RegExp | undefined): boolean {
  if (value === undefined) return false;
  if (exact !== undefined && value !== exact) return false;
  if (re !== undefined && !anchored(re).test(value)) return false;
  return true;
}

export function verifyIdentity(leaf: Certificate, policy: Policy): Identity {
  let issuer: string | undefined;
  try {
    issuer = fulcioIssuer(leaf);
  } catch (cause) {
    return fail('ERR_VERIFY_POLICY', 'issuer extension cannot be read', cause);
  }
  const extensions = fulcioExtensions(leaf);
  const sans = leaf.san;
  const any = policy.insecureAnyIdentity === true;
  const checkSan = policy.identity !== undefined || policy.identityRegExp !== undefined;
  const san = checkSan ? sans.find((s) => matches(s, policy.identity, policy.identityRegExp)) : sans[0];
  if (checkSan && san === undefined) {
    fail('ERR_VERIFY_POLICY', `certificate identity ${JSON.stringify(sans)} does not match the policy ${JSON.stringify(policy.identity ?? String(policy.identityRegExp))}`);
  }
  if (!checkSan && !any) fail('ERR_VERIFY_POLICY', 'no identity policy');
  if (san === undefined) return fail('ERR_VERIFY_POLICY', 'signing certificate has no subject alternative name');
  if (policy.issuer !== undefined || policy.issuerRegExp !== undefined) {
    if (!matches(issuer, policy.issuer, policy.issuerRegExp)) {
      fail('ERR_VERIFY_POLICY', `certificate issuer ${JSON.stringify(issuer ?? null)} does not match the policy ${JSON.stringify(policy.issuer ?? String(policy.issuerRegExp))}`);
    }
  } else if (!any) fail('ERR_VERIFY_POLICY', 'no issuer policy');
  for (const [field, oid] of GITHUB) {
    const want = policy[field];
    if (typeof want === 'string' && extensions[oid] !== want) fail('ERR_VERIFY_POLICY', `certificate ${field} ${JSON.stringify(extensions[oid] ?? null)} does not match ${JSON.stringify(want)}`);
  }
  for (const [oid, want] of Object.entries(policy.extensions ?? {})) {
    const ext = leaf.extensions.find((e) => e.oid === oid);
    const got = oid.startsWith(OID.fulcioPrefix) ? extensions[oid] : ext?.value.toString('utf8');
    if (got !== want) fail('ERR_VERIFY_POLICY', `certificate extension ${oid} ${JSON.stringify(got ?? null)} does not match ${JSON.stringify(want)}`);
  }
  return { san, sans, issuer, extensions };
}
