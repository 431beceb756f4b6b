import { createHash } from 'node:crypto';
import {
  bitString, boolean, certificateTime, contextTag, DerText, encode, node, objectIdentifier, octetString, readChildren, readElement, sequence,
  smallInteger, tlv, unsignedInteger, TAG, type DerInput,
} from './der.js';
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
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

export interface LeafInput {
  /** DER SubjectPublicKeyInfo of the proven key. */
  publicKey: Uint8Array;
  principal: Principal;
  now: Date;
  randomBytes: (n: number) => Uint8Array;
}

/** What varies from one leaf to the next. */
export interface LeafFields {
  /** Positive serial number magnitude (minimally re-encoded). */
  serialNumber: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo, embedded as given. */
  publicKey: Uint8Array;
  principal: Principal;
}

// The constant parts of every leaf, encoded once.
const CRITICAL = boolean(true);
/** ecdsa-with-SHA256, parameters absent (RFC 5758 §3.2). */
const ECDSA_WITH_SHA256 = sequence(objectIdentifier(OID.ecdsaWithSha256));
/** [0] EXPLICIT Version v3. */
const VERSION_3 = contextTag(0, true, smallInteger(2));
/** Fulcio leaves have an empty subject: the identity is in the SAN. */
const EMPTY_NAME = sequence();
/** KeyUsage digitalSignature (critical): BIT STRING 0x80 with 7 unused bits. */
const KEY_USAGE = extension(OID.keyUsage, true, bitString(Uint8Array.of(0x80), 7));
const EXT_KEY_USAGE = extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.codeSigning)));

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (absent when false in DER), extnValue OCTET STRING }. */
function extension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  return encode(extensionNode(oid, critical, value));
}

function extensionNode(oid: string, critical: boolean, value: DerInput): DerInput {
  const extnValue = node(TAG.OCTET_STRING, value);
  return critical ? node(TAG.SEQUENCE, objectIdentifier(oid), CRITICAL, extnValue) : node(TAG.SEQUENCE, objectIdentifier(oid), extnValue);
}

/** The parts of a leaf that come from its issuing certificate. */
interface IssuerParts {
  /** The issuer's subject Name, the exact bytes of its certificate (name chaining compares them). */
  name: Buffer;
  /** The AuthorityKeyIdentifier extension: keyIdentifier = the issuer's SKI. */
  authorityKeyId: Buffer;
}

const issuerParts = new WeakMap<x509.X509Certificate, IssuerParts>();

function issuerPartsOf(issuer: x509.X509Certificate): IssuerParts {
  const hit = issuerParts.get(issuer);
  if (hit) return hit;
  const [tbs] = readChildren(readElement(Buffer.from(issuer.rawData)).content);
  if (tbs?.tag !== TAG.SEQUENCE) throw new Error('the issuing certificate is malformed');
  const fields = readChildren(tbs.content);
  // version [0] (optional), serialNumber, signature, issuer, validity, subject
  const subject = fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 4];
  if (subject?.tag !== TAG.SEQUENCE) throw new Error('the issuing certificate has no subject name');
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (!ski) throw new Error('the issuing certificate has no subject key identifier');
  const parts: IssuerParts = {
    name: Buffer.from(subject.raw),
    authorityKeyId: extension(OID.authorityKeyIdentifier, false, sequence(contextTag(0, false, Buffer.from(ski.keyId, 'hex')))),
  };
  issuerParts.set(issuer, parts);
  return parts;
}

/**
 * The DER TBSCertificate of a Fulcio leaf: v3, the serial, ecdsa-with-SHA256, issuer =
 * the intermediate's subject, valid notBefore..notAfter, empty subject, the proven key;
 * extensions in Fulcio's order: KeyUsage digitalSignature (critical), EKU codeSigning,
 * SKI, AKI = issuer SKI, one critical SAN, then the Sigstore extensions.
 */
export function leafTbs(issuer: x509.X509Certificate, f: LeafFields): Buffer {
  const parts = issuerPartsOf(issuer);
  const spki = Buffer.from(f.publicKey.buffer, f.publicKey.byteOffset, f.publicKey.byteLength);
  return encode(node(
    TAG.SEQUENCE,
    VERSION_3,
    unsignedInteger(f.serialNumber),
    ECDSA_WITH_SHA256,
    parts.name,
    node(TAG.SEQUENCE, certificateTime(f.notBefore), certificateTime(f.notAfter)),
    EMPTY_NAME,
    spki,
    node(0xa3, node( // [3] EXPLICIT Extensions
      TAG.SEQUENCE,
      KEY_USAGE,
      EXT_KEY_USAGE,
      extensionNode(OID.subjectKeyIdentifier, false, octetString(subjectKeyId(spki))),
      parts.authorityKeyId,
      ...identityExtensions(f.principal),
    )),
  ));
}

/** Encoded identity extensions of principals that cannot change (frozen: the CA's, one per cached token). */
const identityCache = new WeakMap<Principal, Buffer>();

/** The critical SAN, then the Sigstore extensions: every extension that comes from the principal. */
function identityExtensions(principal: Principal): DerInput[] {
  const hit = identityCache.get(principal);
  if (hit) return [hit];
  const parts = [extensionNode(OID.subjectAltName, true, encodeSan(principal.san)), ...principal.extensions.map(sigstoreExtension)];
  if (Object.isFrozen(principal) && Object.isFrozen(principal.san) && Object.isFrozen(principal.extensions) && principal.extensions.every((e) => Object.isFrozen(e))) {
    const der = encode(...parts);
    identityCache.set(principal, der);
    return [der];
  }
  return parts;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export function assembleCertificate(tbs: Uint8Array, signature: Uint8Array): Buffer {
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
}

/**
 * Issue a code-signing leaf exactly as Fulcio does (160-bit random positive serial, valid
 * now..now+10 min, see `leafTbs`) and return its DER. The TBS is encoded here and only
 * its bytes go to the signer. Time and randomness come from the caller.
 */
export async function encodeLeaf(signer: CaSigner, input: LeafInput): Promise<Buffer> {
  const notBefore = new Date(Math.floor(input.now.getTime() / 1000) * 1000);
  const tbs = leafTbs(signer.chain[0]!, {
    serialNumber: randomSerial(input.randomBytes),
    notBefore,
    notAfter: new Date(notBefore.getTime() + LEAF_VALIDITY_MS),
    publicKey: input.publicKey,
    principal: input.principal,
  });
  const signature = await signer.signTbs(tbs);
  const sig = readElement(Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength));
  if (sig.tag !== TAG.SEQUENCE || sig.rest.length !== 0) throw new Error('the CA signer returned a signature that is not a DER ECDSA-Sig-Value');
  return assembleCertificate(tbs, signature);
}

/** `encodeLeaf`, parsed. */
export async function issueLeaf(signer: CaSigner, input: LeafInput): Promise<x509.X509Certificate> {
  return new x509.X509Certificate(await encodeLeaf(signer, input));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function subjectKeyId(spki: Uint8Array): Buffer {
  const outer = readElement(Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength));
  if (outer.tag !== TAG.SEQUENCE || outer.rest.length !== 0) throw new Error('not a SubjectPublicKeyInfo');
  const [, bits] = readChildren(outer.content);
  if (!bits || bits.tag !== TAG.BIT_STRING || bits.content.length === 0) throw new Error('not a SubjectPublicKeyInfo');
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
      return encode(node(TAG.SEQUENCE, node(0xa0, objectIdentifier(OID_OTHERNAME_SAN), node(0xa0, node(TAG.UTF8_STRING, new DerText(san.value))))));
  }
}

/** .1–.6 carry the bare UTF-8 bytes; .8 and later a DER UTF8String. */
function sigstoreExtension(e: SigstoreExtension): DerInput {
  const text = new DerText(e.value);
  return extensionNode(e.oid, false, e.encoding === 'raw' ? text : node(TAG.UTF8_STRING, text));
}
