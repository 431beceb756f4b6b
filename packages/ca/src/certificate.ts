import { createHash } from 'node:crypto';
import { objectIdentifier, octetString, readChildren, readElement, sequence, tlv, utf8String } from './der.js';
import { OID_OTHERNAME_SAN, type SigstoreExtension } from './issuers/extensions.js';
import type { Principal, SubjectAlternativeName } from './issuers/principal.js';
import { randomSerial, type CaSigner } from './key-backend/signer.js';
import { x509 } from './x509.js';

/** Fulcio leaves live ten minutes (`pkg/ca/common.go` MakeX509). */
export const LEAF_VALIDITY_MS = 10 * 60 * 1000;

const OID = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  codeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

export interface LeafInput {
  /** DER SubjectPublicKeyInfo of the proven key. */
  publicKey: Uint8Array;
  principal: Principal;
  now: Date;
  randomBytes: (n: number) => Uint8Array;
}

/**
 * Issue a code-signing leaf exactly as Fulcio does: 160-bit random positive serial,
 * empty subject, issuer = the intermediate, valid now..now+10 min, KeyUsage
 * digitalSignature (critical), EKU codeSigning, SKI, AKI = issuer SKI, one critical SAN,
 * then the Sigstore extensions. Time and randomness come from the caller.
 */
export async function issueLeaf(signer: CaSigner, input: LeafInput): Promise<x509.X509Certificate> {
  const issuer = signer.chain[0]!;
  const issuerSki = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (!issuerSki) throw new Error('the issuing certificate has no subject key identifier');
  const notBefore = new Date(Math.floor(input.now.getTime() / 1000) * 1000);
  return signer.createCertificate({
    serialNumber: randomSerial(input.randomBytes),
    notBefore,
    notAfter: new Date(notBefore.getTime() + LEAF_VALIDITY_MS),
    publicKey: input.publicKey,
    extensions: leafExtensions(input.publicKey, Buffer.from(issuerSki.keyId, 'hex'), input.principal),
  });
}

/** The leaf's extensions in Fulcio's order. */
export function leafExtensions(spki: Uint8Array, issuerKeyId: Uint8Array, principal: Principal): x509.Extension[] {
  return [
    new x509.Extension(OID.keyUsage, true, Buffer.from([0x03, 0x02, 0x07, 0x80])), // BIT STRING: digitalSignature
    new x509.Extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.codeSigning))),
    new x509.Extension(OID.subjectKeyIdentifier, false, octetString(subjectKeyId(spki))),
    new x509.Extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, issuerKeyId))),
    new x509.Extension(OID.subjectAltName, true, encodeSan(principal.san)),
    ...principal.extensions.map(sigstoreExtension),
  ];
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function subjectKeyId(spki: Uint8Array): Buffer {
  const [, bits] = readChildren(readElement(Buffer.from(spki)).content);
  if (!bits || bits.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha1').update(bits.content.subarray(1)).digest();
}

/** GeneralNames with one name: rfc822Name [1], URI [6], or otherName [0] {1.3.6.1.4.1.57264.1.7, [0] UTF8String}. */
export function encodeSan(san: SubjectAlternativeName): Buffer {
  switch (san.type) {
    case 'email':
      return sequence(tlv(0x81, Buffer.from(san.value, 'ascii')));
    case 'uri':
      return sequence(tlv(0x86, Buffer.from(san.value, 'ascii')));
    case 'otherName':
      return sequence(tlv(0xa0, Buffer.concat([objectIdentifier(OID_OTHERNAME_SAN), tlv(0xa0, utf8String(san.value))])));
  }
}

function sigstoreExtension(e: SigstoreExtension): x509.Extension {
  return new x509.Extension(e.oid, false, e.encoding === 'raw' ? Buffer.from(e.value, 'utf8') : utf8String(e.value));
}
