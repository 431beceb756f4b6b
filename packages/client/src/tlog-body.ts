import { createHash } from 'node:crypto';
import { decodePemBlocks, isBase64 } from '@sigil/core';
import type { BundleContent, TlogEntry } from './bundle.js';
import { fail } from './fail.js';

/**
 * The logged entry must be about this bundle (RS-41, CVE-2022-36056): kind/apiVersion equal
 * the bundle's `kindVersion`; the body's signature, digest and key/certificate equal the
 * bundle's. hashedrekord 0.0.1/0.0.2, dsse 0.0.1/0.0.2 and intoto 0.0.2 are understood;
 * anything else fails. Failures: ERR_VERIFY_TLOG_BODY.
 */
export interface Signer {
  /** DER of the signing certificate (keyless), or undefined for a managed key. */
  certificate?: Buffer;
  /** DER SubjectPublicKeyInfo of the signing key. */
  spki: Buffer;
}

type J = Record<string, unknown>;

/** DSSE pre-authentication encoding (PROTOCOLS §7). */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export function verifyTlogBody(entry: TlogEntry, content: BundleContent, signer: Signer): void {
  let body: J;
  try {
    body = obj(JSON.parse(entry.canonicalizedBody.toString('utf8')), 'body');
  } catch (cause) {
    return fail('ERR_VERIFY_TLOG_BODY', 'tlog entry body is not a JSON object', cause);
  }
  if (body.kind !== entry.kind || body.apiVersion !== entry.version) {
    fail('ERR_VERIFY_TLOG_BODY', `tlog entry is ${String(body.kind)}/${String(body.apiVersion)} but the bundle says ${entry.kind}/${entry.version}`);
  }
  const spec = obj(body.spec, 'spec');
  const kv = `${entry.kind}/${entry.version}`;
  switch (kv) {
    case 'hashedrekord/0.0.1':
      return hashedrekord001(spec, content, signer);
    case 'hashedrekord/0.0.2':
      return hashedrekord002(obj(spec.hashedRekordV002, 'spec.hashedRekordV002'), content, signer);
    case 'dsse/0.0.1':
      return dsse001(spec, dsseOnly(content, kv), signer);
    case 'dsse/0.0.2':
      return dsse002(obj(spec.dsseV002, 'spec.dsseV002'), dsseOnly(content, kv), signer);
    case 'intoto/0.0.2':
      return intoto002(obj(spec.content, 'spec.content'), dsseOnly(content, kv), signer);
    default:
      return fail('ERR_VERIFY_TLOG_BODY', `unsupported tlog entry kind ${kv}`);
  }
}

type Dsse = Extract<BundleContent, { kind: 'dsseEnvelope' }>;

function dsseOnly(content: BundleContent, kv: string): Dsse {
  if (content.kind !== 'dsseEnvelope') return fail('ERR_VERIFY_TLOG_BODY', `a ${kv} entry cannot log a message signature`);
  return content;
}

/** What a hashedrekord entry commits to: the artifact digest, or for DSSE content H(PAE). */
function signedDigest(content: BundleContent): { alg: string; digest: Buffer; signature: Buffer } {
  if (content.kind === 'messageSignature') return { alg: content.digestAlgorithm, digest: content.digest, signature: content.signature };
  return { alg: 'sha256', digest: createHash('sha256').update(pae(content.payloadType, content.payload)).digest(), signature: content.signature };
}

function hashedrekord001(spec: J, content: BundleContent, signer: Signer): void {
  const want = signedDigest(content);
  const hash = obj(obj(spec.data, 'spec.data').hash, 'spec.data.hash');
  const sig = obj(spec.signature, 'spec.signature');
  if (!b64(sig.content, 'signature').equals(want.signature)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry signature differs from the bundle signature');
  if (hash.algorithm !== want.alg || hash.value !== want.digest.toString('hex')) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry digest differs from the bundle message digest');
  samePem(b64(obj(sig.publicKey, 'spec.signature.publicKey').content, 'publicKey').toString('utf8'), signer);
}

const V2_HASH: Record<string, string> = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' };

function hashedrekord002(spec: J, content: BundleContent, signer: Signer): void {
  const want = signedDigest(content);
  const data = obj(spec.data, 'data');
  const sig = obj(spec.signature, 'signature');
  if (!b64(sig.content, 'signature').equals(want.signature)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry signature differs from the bundle signature');
  if (V2_HASH[String(data.algorithm)] !== want.alg || !b64(data.digest, 'digest').equals(want.digest)) {
    fail('ERR_VERIFY_TLOG_BODY', 'tlog entry digest differs from the bundle message digest');
  }
  sameVerifier(obj(sig.verifier, 'signature.verifier'), signer);
}

function dsse001(spec: J, env: Dsse, signer: Signer): void {
  const ph = obj(spec.payloadHash, 'payloadHash');
  if (ph.algorithm !== 'sha256' || ph.value !== sha256hex(env.payload)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry payload hash differs from the DSSE payload');
  const sigs = arr(spec.signatures, 'signatures');
  if (sigs.length !== 1) fail('ERR_VERIFY_TLOG_BODY', `tlog entry has ${sigs.length} signatures; exactly one is allowed`);
  const s = obj(sigs[0], 'signatures[0]');
  if (!b64(s.signature, 'signature').equals(env.signature)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry signature differs from the DSSE signature');
  samePem(b64(s.verifier, 'verifier').toString('utf8'), signer);
}

function dsse002(spec: J, env: Dsse, signer: Signer): void {
  const ph = obj(spec.payloadHash, 'payloadHash');
  if (ph.algorithm !== 'SHA2_256' || !b64(ph.digest, 'payloadHash.digest').equals(createHash('sha256').update(env.payload).digest())) {
    fail('ERR_VERIFY_TLOG_BODY', 'tlog entry payload hash differs from the DSSE payload');
  }
  const sigs = arr(spec.signatures, 'signatures');
  if (sigs.length !== 1) fail('ERR_VERIFY_TLOG_BODY', `tlog entry has ${sigs.length} signatures; exactly one is allowed`);
  const s = obj(sigs[0], 'signatures[0]');
  if (!b64(s.content, 'signature').equals(env.signature)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry signature differs from the DSSE signature');
  sameVerifier(obj(s.verifier, 'verifier'), signer);
}

function intoto002(c: J, env: Dsse, signer: Signer): void {
  const ph = obj(c.payloadHash, 'payloadHash');
  if (ph.algorithm !== 'sha256' || ph.value !== sha256hex(env.payload)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry payload hash differs from the DSSE payload');
  const envelope = obj(c.envelope, 'envelope');
  if (envelope.payloadType !== undefined && envelope.payloadType !== env.payloadType) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry payload type differs from the DSSE envelope');
  const sigs = arr(envelope.signatures, 'signatures');
  if (sigs.length !== 1) fail('ERR_VERIFY_TLOG_BODY', `tlog entry has ${sigs.length} signatures; exactly one is allowed`);
  const s = obj(sigs[0], 'signatures[0]');
  // intoto 0.0.2 stores the DSSE strings base64-encoded once more.
  const inner = b64(s.sig, 'sig').toString('latin1');
  if (!b64(inner, 'sig (inner)').equals(env.signature)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry signature differs from the DSSE signature');
  samePem(b64(s.publicKey, 'publicKey').toString('utf8'), signer);
}

/** A PEM `CERTIFICATE` equal to the signing certificate, or a `PUBLIC KEY` equal to a managed key. */
function samePem(pem: string, signer: Signer): void {
  let blocks;
  try {
    blocks = decodePemBlocks(pem);
  } catch (cause) {
    return fail('ERR_VERIFY_TLOG_BODY', 'tlog entry key is not valid PEM', cause);
  }
  const [b] = blocks;
  if (blocks.length !== 1 || !b) return fail('ERR_VERIFY_TLOG_BODY', 'tlog entry key must be exactly one PEM block');
  if (signer.certificate) {
    if (b.type !== 'CERTIFICATE' || !b.der.equals(signer.certificate)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry certificate differs from the bundle certificate');
    return;
  }
  if (b.type !== 'PUBLIC KEY' || !b.der.equals(signer.spki)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry public key differs from the verification key');
}

function sameVerifier(v: J, signer: Signer): void {
  if (signer.certificate) {
    const c = v.x509Certificate === undefined ? undefined : obj(v.x509Certificate, 'verifier.x509Certificate');
    if (!c || !b64(c.rawBytes, 'x509Certificate.rawBytes').equals(signer.certificate)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry certificate differs from the bundle certificate');
    return;
  }
  const k = v.publicKey === undefined ? undefined : obj(v.publicKey, 'verifier.publicKey');
  if (!k || !b64(k.rawBytes, 'publicKey.rawBytes').equals(signer.spki)) fail('ERR_VERIFY_TLOG_BODY', 'tlog entry public key differs from the verification key');
}

function obj(v: unknown, what: string): J {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('ERR_VERIFY_TLOG_BODY', `tlog entry ${what} is missing or not an object`);
  return v as J;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) return fail('ERR_VERIFY_TLOG_BODY', `tlog entry ${what} is not an array`);
  return v;
}

function b64(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !isBase64(v)) return fail('ERR_VERIFY_TLOG_BODY', `tlog entry ${what} is not base64`);
  return Buffer.from(v, 'base64');
}

function sha256hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
