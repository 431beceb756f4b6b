import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { SigilError, encodePem, isSigilError, type PublicKeyInfo } from '@sigil/core';
import { challengeClaimOf, IssuerRegistry, type IssuerConfig, type IssuerConfigInput } from './config.js';
import { encodeLeaf } from './certificate.js';
import { principalFromClaims, type Claims, type Principal } from './issuers/index.js';
import type { CaSigner } from './key-backend/signer.js';
import { FULCIO_MESSAGES, quote } from './messages.js';
import { parseCertificateSigningRequest, parsePublicKeyContent, verifyProofOfPossession } from './proof-of-possession.js';
import { TokenVerifier, type TokenVerifierOptions, type VerifiedToken } from './token.js';
import { x509 } from './x509.js';

/** `CreateSigningCertificateRequest` in proto3 JSON (camelCase). */
export interface SigningCertificateRequest {
  credentials?: { oidcIdentityToken?: string };
  publicKeyRequest?: {
    publicKey?: { algorithm?: string | number; content?: string };
    /** base64 signature over the challenge. */
    proofOfPossession?: string;
  };
  /** base64 of a PEM PKCS#10 request. */
  certificateSigningRequest?: string;
}

export interface CertificateAuthorityOptions {
  signer: CaSigner;
  /** Issuer configuration (Fulcio's file shape), parsed and validated here. */
  issuers: IssuerConfig | IssuerConfigInput;
  clock?: () => Date;
  fetch?: typeof fetch;
  randomBytes?: (n: number) => Uint8Array;
  /** Discovery/JWKS timing and skew (tests shorten the JWKS cooldown). */
  token?: Omit<TokenVerifierOptions, 'registry' | 'fetch' | 'clock'>;
}

/** An issued chain: leaf, intermediate, root (PEM). */
export interface IssuedChain {
  certificates: string[];
  /** The leaf, DER. */
  leafDer: Buffer;
  /** The leaf, parsed (on first use: the HTTP API never needs it). */
  readonly leaf: x509.X509Certificate;
  principal: Principal;
}

class Issued implements IssuedChain {
  #leaf: x509.X509Certificate | undefined;
  constructor(readonly certificates: string[], readonly leafDer: Buffer, readonly principal: Principal) {}
  get leaf(): x509.X509Certificate {
    return (this.#leaf ??= new x509.X509Certificate(this.leafDer));
  }
}

/**
 * The keyless CA: an OIDC token plus proof of a key in, a ten-minute code-signing
 * certificate for the token's identity out (Fulcio `CreateSigningCertificate`).
 */
export class CertificateAuthority {
  readonly registry: IssuerRegistry;
  private readonly tokens: TokenVerifier;
  private readonly clock: () => Date;
  private readonly randomBytes: (n: number) => Uint8Array;
  /** The principal of each verified token still cached by the verifier (its claims are frozen, so it cannot change). */
  private readonly principals = new WeakMap<VerifiedToken, Principal>();
  /** PEM of the chain, encoded again only if the signer's chain changes. */
  private chainCache: { chain: readonly x509.X509Certificate[]; pem: readonly string[] } | undefined;

  private constructor(readonly signer: CaSigner, opts: CertificateAuthorityOptions) {
    this.registry = IssuerRegistry.from(opts.issuers);
    this.clock = opts.clock ?? (() => new Date());
    this.randomBytes = opts.randomBytes ?? pooledRandomBytes();
    this.tokens = new TokenVerifier({
      ...opts.token,
      registry: this.registry,
      clock: this.clock,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  }

  static create(opts: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    return Promise.resolve(new CertificateAuthority(opts.signer, opts));
  }

  /** Rejects with ERR_CA_UNAVAILABLE (503) when the signing key cannot be used: the health check. */
  async health(): Promise<void> {
    try {
      await this.signer.check?.();
    } catch (cause) {
      throw isSigilError(cause) ? cause : new SigilError('ERR_CA_UNAVAILABLE', FULCIO_MESSAGES.genericCAError, { cause });
    }
  }

  /** Intermediate then root, PEM. */
  get chainPem(): string[] {
    const chain = this.signer.chain;
    if (this.chainCache?.chain !== chain) this.chainCache = { chain, pem: chain.map((c) => encodePem('CERTIFICATE', Buffer.from(c.rawData))) };
    return [...this.chainCache.pem];
  }

  /**
   * Fulcio's order: authenticate the token (its claims give the principal), then parse the
   * key and check the proof (CSR self-signature, or a signature over the challenge), then sign.
   */
  async issue(request: SigningCertificateRequest, bearer?: string): Promise<IssuedChain> {
    const token = request.credentials?.oidcIdentityToken || bearer;
    const verified = await this.tokens.verify(token);
    const { issuer } = verified;
    let principal = this.principals.get(verified);
    if (!principal) {
      principal = freezePrincipal(principalFromClaims(issuer, verified.claims));
      this.principals.set(verified, principal);
    }
    let key: PublicKeyInfo;
    if (request.certificateSigningRequest) {
      key = await parseCertificateSigningRequest(request.certificateSigningRequest);
    } else {
      key = parsePublicKeyContent(request.publicKeyRequest?.publicKey?.content);
      verifyProofOfPossession(key, request.publicKeyRequest?.proofOfPossession, principal.challenge, challengeClaimOf({ Type: issuer.Type }));
    }
    return this.sign(principal, key.spki);
  }

  /**
   * Claims that were verified elsewhere → chain, with no token and no proof of possession.
   * For tests and tools only: the HTTP API never reaches it.
   */
  async issueForClaims(claims: Claims, publicKeySpki: Uint8Array): Promise<IssuedChain> {
    const iss = typeof claims.iss === 'string' ? claims.iss : '';
    const issuer = this.registry.resolve(iss);
    if (!issuer) throw new SigilError('ERR_TOKEN_INVALID', `${FULCIO_MESSAGES.invalidIdentityToken}: unknown issuer ${quote(iss)}`);
    return this.sign(principalFromClaims(issuer, claims), publicKeySpki);
  }

  private async sign(principal: Principal, spki: Uint8Array): Promise<IssuedChain> {
    let leaf: Buffer;
    try {
      leaf = await encodeLeaf(this.signer, { publicKey: spki, principal, now: this.clock(), randomBytes: this.randomBytes });
    } catch (cause) {
      // RS-39: a signer that cannot sign is an outage (503), never a reason to use another key.
      if (isSigilError(cause) && cause.code === 'ERR_CA_UNAVAILABLE') throw new SigilError('ERR_CA_UNAVAILABLE', `${FULCIO_MESSAGES.genericCAError}: ${cause.message}`, { cause });
      throw new SigilError('ERR_CA_UNAVAILABLE', FULCIO_MESSAGES.genericCAError, { cause });
    }
    return new Issued([encodePem('CERTIFICATE', leaf), ...this.chainPem], leaf, principal);
  }
}

/** A principal shared by every certificate issued for one cached token. */
function freezePrincipal(p: Principal): Principal {
  Object.freeze(p.san);
  for (const e of p.extensions) Object.freeze(e);
  Object.freeze(p.extensions);
  return Object.freeze(p);
}

/**
 * `crypto.randomBytes` costs ~5 µs a call however few bytes it returns, as much as a
 * tenth of an issuance: serials come from a 4 KiB block of the CSPRNG, each byte used once.
 */
function pooledRandomBytes(): (n: number) => Uint8Array {
  const BLOCK = 4096;
  let pool = Buffer.alloc(0);
  let offset = 0;
  return (n) => {
    if (n > BLOCK / 4) return nodeRandomBytes(n);
    if (offset + n > pool.length) {
      pool = nodeRandomBytes(BLOCK);
      offset = 0;
    }
    const out = Buffer.from(pool.subarray(offset, offset + n));
    pool.fill(0, offset, offset + n);
    offset += n;
    return out;
  };
}
