import { KeyObject, sign as nodeSign, webcrypto } from 'node:crypto';
import { SigilError } from '@sigil/core';
import type { x509 } from '../x509.js';

/**
 * The CA's issuing key and its chain. Implementations: ephemeral (in memory), file
 * (encrypted PKCS#8); an HSM or cloud KMS slots in behind the same members.
 *
 * The CA encodes each leaf's TBSCertificate itself (certificate.ts); the signer only signs
 * those bytes with the key of `chain[0]`, always as ecdsa-with-SHA256 (RFC 5758 §3.2): the
 * DER `ECDSA-Sig-Value` over SHA-256 of the TBS.
 */
export interface CaSigner {
  /** The issuing (intermediate) certificate first, the self-signed root last. */
  readonly chain: readonly x509.X509Certificate[];
  /**
   * Sign DER TBSCertificate bytes (ecdsa-with-SHA256, DER signature). Throws or rejects
   * with ERR_CA_UNAVAILABLE when the key cannot be used; never signs with any other key.
   */
  signTbs(tbs: Buffer): Buffer | Promise<Buffer>;
  /** Optional liveness probe of the key (an HSM or KMS ping); rejects with ERR_CA_UNAVAILABLE. */
  check?(): Promise<void>;
}

/**
 * A signer over an ECDSA P-256 private key held in memory (a node:crypto KeyObject; a
 * WebCrypto key is converted once). Signing is synchronous OpenSSL: no WebCrypto promise
 * or ASN.1 object model per certificate.
 */
export class KeyPairSigner implements CaSigner {
  private readonly key: KeyObject;

  constructor(readonly chain: readonly x509.X509Certificate[], key: KeyObject | webcrypto.CryptoKey) {
    if (chain.length === 0) throw new SigilError('ERR_CONFIG', 'a CA signer needs its certificate chain');
    this.key = key instanceof KeyObject ? key : KeyObject.from(key);
    const curve = this.key.asymmetricKeyDetails?.namedCurve;
    if (this.key.type !== 'private' || this.key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'P-256')) {
      throw new SigilError('ERR_CONFIG', 'the CA signing key must be an ECDSA P-256 private key (leaves are signed ecdsa-with-SHA256)');
    }
  }

  signTbs(tbs: Buffer): Buffer {
    try {
      return nodeSign('sha256', tbs, this.key); // ECDSA: DER ECDSA-Sig-Value by default
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
