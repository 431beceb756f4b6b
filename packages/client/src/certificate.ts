import { fail } from './fail.js';
import { validForContains, type CertificateAuthority, type TrustMaterial } from './trusted-root.js';
import { KU, OID, findExtension, isSelfIssued, parseCertificate, verifyCertificateSignature, type Certificate } from './x509.js';

/**
 * The signing certificate: the Fulcio leaf profile, then a path to a trusted CA whose
 * validity (and the CA's `validFor`) covers every claimed signing time. Intermediates
 * come only from the trusted root, never from the bundle. Failures: ERR_VERIFY_CERTIFICATE.
 */
export interface CertificatePath {
  leaf: Certificate;
  /** The trusted certificate that issued the leaf. */
  issuer: Certificate;
  authority: CertificateAuthority;
}

/** Extensions a leaf may mark critical; any other critical extension is refused (RFC 5280 §4.2). */
const LEAF_CRITICAL_OK = new Set<string>([
  OID.keyUsage, OID.extKeyUsage, OID.subjectAltName, OID.basicConstraints, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier,
  OID.certificatePolicies,
]);

/** Parse the bundle's signing certificate and check the leaf profile (no trust yet). */
export function parseLeaf(der: Buffer): Certificate {
  let leaf: Certificate;
  try {
    leaf = parseCertificate(der);
  } catch (cause) {
    return fail('ERR_VERIFY_CERTIFICATE', `signing certificate cannot be parsed: ${(cause as Error).message}`, cause);
  }
  if (leaf.version !== 3) fail('ERR_VERIFY_CERTIFICATE', 'signing certificate is not X.509 v3');
  if (isSelfIssued(leaf)) fail('ERR_VERIFY_CERTIFICATE', 'signing certificate is self-signed');
  if (leaf.isCA) fail('ERR_VERIFY_CERTIFICATE', 'signing certificate is a CA certificate');
  if (leaf.keyUsage === undefined || (leaf.keyUsage & KU.digitalSignature) === 0) fail('ERR_VERIFY_CERTIFICATE', 'signing certificate lacks the digitalSignature key usage');
  if (!leaf.extKeyUsage?.includes(OID.ekuCodeSigning)) fail('ERR_VERIFY_CERTIFICATE', 'signing certificate lacks the codeSigning extended key usage');
  if (findExtension(leaf, OID.ctPoison)) fail('ERR_VERIFY_CERTIFICATE', 'signing certificate is a CT precertificate');
  for (const e of leaf.extensions) {
    if (e.critical && !LEAF_CRITICAL_OK.has(e.oid)) fail('ERR_VERIFY_CERTIFICATE', `signing certificate has an unsupported critical extension ${e.oid}`);
  }
  try {
    leaf.publicKey();
  } catch (cause) {
    return fail('ERR_VERIFY_CERTIFICATE', 'signing certificate public key cannot be parsed', cause);
  }
  return leaf;
}

/**
 * Certificates after the leaf in a v0.1/v0.2 chain are never trusted. A root among them is
 * refused unless it is byte-identical to a trusted anchor (old bundles carried the whole
 * chain); with `strict`, any root is refused (conformance `bundle-with-root-cert_fail`).
 */
export function checkBundleChain(extra: readonly Buffer[], trust: TrustMaterial, strict: boolean): void {
  extra.forEach((der, i) => {
    let c: Certificate;
    try {
      c = parseCertificate(der);
    } catch (cause) {
      return fail('ERR_VERIFY_CERTIFICATE', `bundle chain certificate ${i + 1} cannot be parsed`, cause);
    }
    if (!isSelfIssued(c)) return;
    if (strict) fail('ERR_VERIFY_CERTIFICATE', 'bundle certificate chain contains a root certificate');
    if (!trust.anchors.has(c.der.toString('hex'))) fail('ERR_VERIFY_CERTIFICATE', 'bundle certificate chain contains a root certificate that is not a trusted root');
  });
}

/** Find a trusted path for `leaf` valid at every time in `times` (milliseconds). */
export function verifyCertificatePath(leaf: Certificate, trust: TrustMaterial, times: readonly number[]): CertificatePath {
  const candidates = trust.caBySubject.get(leaf.issuer.toString('hex')) ?? [];
  let reason = 'no trusted CA issued the signing certificate';
  for (const [authority, k] of candidates) {
    const issuer = authority.chain[k]!;
    if (leaf.authorityKeyId && issuer.subjectKeyId && !leaf.authorityKeyId.equals(issuer.subjectKeyId)) continue;
    if (!verifyCertificateSignature(leaf, issuer.publicKey())) {
      reason = 'signing certificate signature does not verify with its trusted issuer';
      continue;
    }
    const tail = authority.tails[k]!;
    const bad = times.find((t) => !validForContains(authority.validFor, t) || t < tail.notBefore || t > tail.notAfter);
    if (bad !== undefined) {
      reason = `the issuing CA chain is not valid at ${new Date(bad).toISOString()}`;
      continue;
    }
    return { leaf, issuer, authority };
  }
  return fail('ERR_VERIFY_CERTIFICATE', reason);
}
