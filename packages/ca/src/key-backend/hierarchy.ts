import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { x509 } from '../x509.js';
import { randomSerial } from './signer.js';

export interface CaNames {
  /** Subject O= of both CA certificates (default `sigil`). */
  organization?: string;
  /** Subject CN= of the root (default `sigil`); the intermediate is `<CN>-intermediate`. */
  commonName?: string;
}

export interface CaHierarchy {
  root: { cert: x509.X509Certificate; keys: CryptoKeyPair };
  intermediate: { cert: x509.X509Certificate; keys: CryptoKeyPair };
}

const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;
export const ROOT_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } as const;
/** The intermediate signs leaves: P-256 keeps issuance cheap. */
export const INTERMEDIATE_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** CA certificates start a little before `now`, so a verifier whose clock lags ours still accepts the first leaves. */
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * A root (P-384, self-signed, CA pathLen 1, keyCertSign+cRLSign) and an intermediate
 * (P-256, CA pathLen 0, EKU codeSigning like Fulcio's), both valid for ten years from
 * five minutes before `now`.
 */
export async function createCaHierarchy(opts: { now: Date; randomBytes: (n: number) => Uint8Array; names?: CaNames; extractable?: boolean }): Promise<CaHierarchy> {
  const org = opts.names?.organization ?? 'sigil';
  const cn = opts.names?.commonName ?? 'sigil';
  const notBefore = new Date(Math.floor((opts.now.getTime() - BACKDATE_MS) / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + TEN_YEARS_MS);
  const extractable = opts.extractable ?? false;
  const subtle = webcrypto.subtle;
  const rootKeys: CryptoKeyPair = await subtle.generateKey(ROOT_ALGORITHM, extractable, ['sign', 'verify']);
  const interKeys: CryptoKeyPair = await subtle.generateKey(INTERMEDIATE_ALGORITHM, extractable, ['sign', 'verify']);
  const caUsages = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  const hex = () => Buffer.from(randomSerial(opts.randomBytes)).toString('hex');

  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: hex(),
    name: new x509.Name([{ O: [org] }, { CN: [cn] }]),
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: ROOT_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(caUsages, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: hex(),
    subject: new x509.Name([{ O: [org] }, { CN: [`${cn}-intermediate`] }]),
    issuer: new x509.Name(root.subjectName.toArrayBuffer()),
    notBefore,
    notAfter,
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: ROOT_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(caUsages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      await x509.SubjectKeyIdentifierExtension.create(interKeys.publicKey),
      new x509.AuthorityKeyIdentifierExtension(root.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId),
    ],
  });
  return { root: { cert: root, keys: rootKeys }, intermediate: { cert: intermediate, keys: interKeys } };
}
