/**
 * Builders for well-formed proposals signed with fresh keys, shared by the kind tests.
 * Not used by the log itself.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { canonicalJson, encodePem, type HashAlgorithm } from '@sigil/core';
import { pae } from './envelope.js';

export type KeyKind = 'p256' | 'p384' | 'p521' | 'rsa2048' | 'rsa1024' | 'ed25519' | 'secp256k1';

export interface TestKey {
  kind: KeyKind;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** Canonical PUBLIC KEY PEM. */
  pem: string;
}

export function makeKey(kind: KeyKind): TestKey {
  const pair = (() => {
    switch (kind) {
      case 'p256':
        return generateKeyPairSync('ec', { namedCurve: 'P-256' });
      case 'p384':
        return generateKeyPairSync('ec', { namedCurve: 'P-384' });
      case 'p521':
        return generateKeyPairSync('ec', { namedCurve: 'P-521' });
      case 'secp256k1':
        return generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      case 'rsa2048':
        return generateKeyPairSync('rsa', { modulusLength: 2048 });
      case 'rsa1024':
        return generateKeyPairSync('rsa', { modulusLength: 1024 });
      case 'ed25519':
        return generateKeyPairSync('ed25519');
    }
  })();
  return { kind, ...pair, pem: pemOf(pair.publicKey) };
}

export function keyFromPkcs8Pem(kind: KeyKind, privatePem: string): TestKey {
  const privateKey = createPrivateKey(privatePem);
  const publicKey = createPublicKey(privateKey);
  return { kind, privateKey, publicKey, pem: pemOf(publicKey) };
}

export function pemOf(key: KeyObject): string {
  return encodePem('PUBLIC KEY', key.export({ type: 'spki', format: 'der' }));
}

export const b64 = (data: string | Uint8Array): string => Buffer.from(data).toString('base64');
export const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');
export const digestOf = (alg: HashAlgorithm, data: Uint8Array): Buffer => createHash(alg).update(data).digest();

/**
 * A signature over `artifact` that verifies against digestOf(alg, artifact): ECDSA/RSA
 * hash-then-sign with `alg`; Ed25519 as Ed25519ph (RFC 8032, SHA-512 prehash).
 */
export function signArtifact(key: TestKey, alg: HashAlgorithm, artifact: Uint8Array): Buffer {
  if (key.kind === 'ed25519') {
    const jwk = key.privateKey.export({ format: 'jwk' });
    const seed = Buffer.from(jwk.d ?? '', 'base64url');
    return Buffer.from(ed25519ph.sign(artifact, seed));
  }
  return sign(alg, artifact, key.privateKey);
}

/** A DSSE signature over PAE(payloadType, payload) with the key's natural scheme. */
export function signDsse(key: TestKey, payloadType: string, payload: Uint8Array, alg?: HashAlgorithm): Buffer {
  const message = pae(payloadType, payload);
  if (key.kind === 'ed25519') return sign(null, message, key.privateKey);
  const natural: HashAlgorithm = key.kind === 'p384' ? 'sha384' : key.kind === 'p521' ? 'sha512' : 'sha256';
  return sign(alg ?? natural, message, key.privateKey);
}

export interface HashedRekordOptions {
  key: TestKey;
  /** PEM to put in publicKey.content (default: the key's PUBLIC KEY PEM). */
  pem?: string;
  alg?: HashAlgorithm;
  artifact?: Uint8Array;
}

export function hashedRekordProposal(opts: HashedRekordOptions): { proposal: Record<string, unknown>; digest: Buffer; signature: Buffer } {
  const alg = opts.alg ?? (opts.key.kind === 'ed25519' ? 'sha512' : 'sha256');
  const artifact = opts.artifact ?? Buffer.from('hello, sigil\n');
  const digest = digestOf(alg, artifact);
  const signature = signArtifact(opts.key, alg, artifact);
  return {
    digest,
    signature,
    proposal: {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: alg, value: hex(digest) } },
        signature: { content: b64(signature), publicKey: { content: b64(opts.pem ?? opts.key.pem) } },
      },
    },
  };
}

export const IN_TOTO = 'application/vnd.in-toto+json';

export function statement(subjects: { name: string; digest: Record<string, string> }[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects,
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { buildDefinition: { buildType: 'https://example.com/build' } },
    }),
  );
}

export interface Envelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string }[];
}

export function envelopeFor(keys: TestKey[], payload: Buffer, payloadType = IN_TOTO): Envelope {
  return {
    payload: b64(payload),
    payloadType,
    signatures: keys.map((k) => ({ sig: b64(signDsse(k, payloadType, payload)), keyid: '' })),
  };
}

export function dsseProposal(envelope: Envelope | string, verifierPems: string[]): Record<string, unknown> {
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      proposedContent: {
        envelope: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
        verifiers: verifierPems.map((p) => b64(p)),
      },
    },
  };
}

/** An intoto v0.0.2 proposal as sigstore-js builds it (double base64, hash over JCS of the envelope). */
export function intotoProposal(envelope: Envelope, publicKeyPems: string[]): Record<string, unknown> {
  const hashInput = {
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    signatures: envelope.signatures.map((s, i) => ({ sig: s.sig, publicKey: publicKeyPems[i], ...(s.keyid ? { keyid: s.keyid } : {}) })),
  };
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: envelope.payloadType,
          payload: b64(envelope.payload),
          signatures: envelope.signatures.map((s, i) => ({
            ...(s.keyid ? { keyid: s.keyid } : {}),
            sig: b64(s.sig),
            publicKey: b64(publicKeyPems[i] ?? ''),
          })),
        },
        hash: { algorithm: 'sha256', value: hex(digestOf('sha256', Buffer.from(canonicalJson(hashInput)))) },
      },
    },
  };
}

/** Test vectors live beside the project: /work/shared/vectors relative to /work/main. */
export function vectorPath(...parts: string[]): string {
  const here = dirname(fileURLToPath(import.meta.url)); // packages/log/dist/kinds
  return resolve(here, '../../../../../shared/vectors', ...parts);
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** RFC 6962 leaf hash, hex. */
export function leafHash(leaf: Uint8Array): string {
  return createHash('sha256').update(Buffer.from([0])).update(leaf).digest('hex');
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}
