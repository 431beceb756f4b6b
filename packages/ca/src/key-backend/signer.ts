import type { webcrypto } from 'node:crypto';
import { SigilError } from '@sigil/core';
import { x509 } from '../x509.js';

/** What the issuing key signs: everything but the issuer name, which is the signer's own. */
export interface CertificateParams {
  /** Positive, minimally encoded serial number bytes. */
  serialNumber: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the key being certified. */
  publicKey: Uint8Array;
  /** Empty for Fulcio leaves. */
  subject?: x509.Name;
  extensions: x509.Extension[];
}

/**
 * The CA's issuing key and its chain. Implementations: ephemeral (in memory), file
 * (encrypted PKCS#8); an HSM or cloud KMS slots in behind the same two members.
 */
export interface CaSigner {
  /** The issuing (intermediate) certificate first, the self-signed root last. */
  readonly chain: readonly x509.X509Certificate[];
  /**
   * Sign a certificate issued by `chain[0]`. Rejects with ERR_CA_UNAVAILABLE when the
   * key cannot be used; never signs with any other key.
   */
  createCertificate(params: CertificateParams): Promise<x509.X509Certificate>;
  /** Optional liveness probe of the key (an HSM or KMS ping); rejects with ERR_CA_UNAVAILABLE. */
  check?(): Promise<void>;
}

/** A signer over a WebCrypto key held in memory. */
export class KeyPairSigner implements CaSigner {
  constructor(
    readonly chain: readonly x509.X509Certificate[],
    private readonly key: webcrypto.CryptoKey,
    private readonly algorithm: webcrypto.EcdsaParams | webcrypto.Algorithm = { name: 'ECDSA', hash: 'SHA-256' },
  ) {
    if (chain.length === 0) throw new SigilError('ERR_CONFIG', 'a CA signer needs its certificate chain');
  }

  async createCertificate(params: CertificateParams): Promise<x509.X509Certificate> {
    const issuer = this.chain[0]!;
    try {
      return await x509.X509CertificateGenerator.create({
        serialNumber: Buffer.from(params.serialNumber).toString('hex'),
        ...(params.subject ? { subject: params.subject } : {}),
        issuer: new x509.Name(issuer.subjectName.toArrayBuffer()),
        notBefore: params.notBefore,
        notAfter: params.notAfter,
        publicKey: params.publicKey,
        signingKey: this.key,
        signingAlgorithm: this.algorithm,
        extensions: params.extensions,
      });
    } catch (cause) {
      throw new SigilError('ERR_CA_UNAVAILABLE', 'the CA signing key could not sign', { cause });
    }
  }
}

/** A random positive serial of at most `bytes` bytes: top bit cleared, never zero (RFC 5280 §4.1.2.2). */
export function randomSerial(randomBytes: (n: number) => Uint8Array, bytes = 20): Uint8Array {
  for (;;) {
    const s = Uint8Array.from(randomBytes(bytes));
    if (s.length !== bytes) throw new Error('randomBytes returned the wrong length');
    s[0]! &= 0x7f;
    if (s.some((b) => b !== 0)) return s;
  }
}
