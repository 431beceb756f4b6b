import assert from 'node:assert/strict';
/**
 * Test-only builders: a tiny DER writer, X.509 certificates in the Fulcio profile, and a
 * whole signed Sigstore world (CA, Rekor-v1-style log, trusted root, bundles) made from
 * fresh keys, so tests can break one field at a time. Not exported from the package.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalJson, encodeBase64, encodePem, formatSignedNote, hashLeaf, noteSignerFor, signNote } from '@sigil/core';

// ---- DER writer -------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Buffer.from([0x80 | out.length, ...out]);
}
export const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
export const seq = (...p: Buffer[]): Buffer => tlv(0x30, ...p);
export const set = (...p: Buffer[]): Buffer => tlv(0x31, ...p);
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
export const int = (n: number | Buffer): Buffer => {
  const hex = typeof n === 'number' ? n.toString(16) : '';
  let b = typeof n === 'number' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : n;
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
};
export const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.from([unused]), b);
export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
export function time(ms: number): Buffer {
  const s = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return ms < Date.UTC(2050, 0, 1) ? tlv(0x17, Buffer.from(`${s.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${s}Z`));
}
const name = (cn: string): Buffer => (cn === '' ? seq() : seq(set(seq(oid('2.5.4.3'), utf8(cn)))));
const ext = (id: string, critical: boolean, value: Buffer): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

// ---- Certificates -----------------------------------------------------------------------

export interface CertSpec {
  subject: string;
  issuer: string;
  key: KeyObject;
  signer: KeyObject;
  notBefore: number;
  notAfter: number;
  ca?: boolean;
  pathLen?: number;
  serial?: number;
  /** Fulcio leaf: email SAN, issuer extension, codeSigning. */
  san?: string;
  oidcIssuer?: string;
  extraExtensions?: Buffer[];
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const keyId = (k: KeyObject): Buffer => createHash('sha1').update((k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' })).digest();

export function makeCert(s: CertSpec): Buffer {
  const exts: Buffer[] = [];
  if (s.ca) {
    exts.push(ext('2.5.29.19', true, seq(bool(true), ...(s.pathLen === undefined ? [] : [int(s.pathLen)]))));
    exts.push(ext('2.5.29.15', true, bits(Buffer.from([0x06]), 1))); // keyCertSign, cRLSign
  } else {
    exts.push(ext('2.5.29.15', true, bits(Buffer.from([0x80]), 7))); // digitalSignature
    exts.push(ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.3'))));
  }
  exts.push(ext('2.5.29.14', false, octets(keyId(s.key))));
  exts.push(ext('2.5.29.35', false, seq(tlv(0x80, keyId(s.signer)))));
  if (s.san !== undefined) exts.push(ext('2.5.29.17', true, seq(tlv(0x81, Buffer.from(s.san)))));
  if (s.oidcIssuer !== undefined) {
    exts.push(ext('1.3.6.1.4.1.57264.1.1', false, Buffer.from(s.oidcIssuer)));
    exts.push(ext('1.3.6.1.4.1.57264.1.8', false, utf8(s.oidcIssuer)));
  }
  exts.push(...(s.extraExtensions ?? []));
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(s.serial ?? 1),
    ECDSA_SHA256,
    name(s.issuer),
    seq(time(s.notBefore), time(s.notAfter)),
    name(s.subject),
    s.key.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...exts)),
  );
  return seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, s.signer)));
}

export function ecKeys(curve = 'P-256'): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: curve });
}

// ---- A signed world ---------------------------------------------------------------------

export const T0 = Date.UTC(2025, 0, 1);
export const HOUR = 3600_000;

export interface World {
  caKey: { publicKey: KeyObject; privateKey: KeyObject };
  caCert: Buffer;
  logKey: { publicKey: KeyObject; privateKey: KeyObject };
  logId: Buffer;
  trustedRoot: Record<string, unknown>;
}

export function makeWorld(): World {
  const caKey = ecKeys();
  const caCert = makeCert({ subject: 'sigil-ca', issuer: 'sigil-ca', key: caKey.publicKey, signer: caKey.privateKey, notBefore: T0 - 24 * HOUR, notAfter: T0 + 365 * 24 * HOUR, ca: true, pathLen: 1 });
  const logKey = ecKeys();
  const spki = logKey.publicKey.export({ type: 'spki', format: 'der' });
  const logId = createHash('sha256').update(spki).digest();
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot.v0.2+json',
    tlogs: [{ baseUrl: 'http://log.sigil.test:3000', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: encodeBase64(spki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: new Date(T0 - 24 * HOUR).toISOString() } }, logId: { keyId: encodeBase64(logId) } }],
    certificateAuthorities: [{ subject: { commonName: 'sigil-ca' }, uri: 'http://ca.sigil.test', certChain: { certificates: [{ rawBytes: encodeBase64(caCert) }] }, validFor: { start: new Date(T0 - 24 * HOUR).toISOString() } }],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return { caKey, caCert, logKey, logId, trustedRoot };
}

export interface BundleSpec {
  artifact: Buffer;
  /** Keyless when set; else a managed-key bundle signed by `signingKey`. */
  leaf?: { cert: Buffer; chain?: Buffer[] };
  signingKey: { publicKey: KeyObject; privateKey: KeyObject };
  integratedTime: number;
  logIndex?: number;
  /** Extra checkpoint signature lines placed before the log's own. */
  cosignaturesFirst?: string[];
  mediaType?: string;
  /** Sign this DSSE payload instead of the artifact; log it as `dsse` 0.0.1 (or as a hashedrekord over H(PAE)). */
  dsse?: { payload: Buffer; payloadType: string; logAs?: 'dsse' | 'hashedrekord'; signRawPayload?: boolean };
}

export function pae(type: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
}

/** A v0.3 (default) hashedrekord bundle with SET, checkpoint and a one-leaf inclusion proof. */
export function makeBundle(w: World, s: BundleSpec): Record<string, unknown> {
  const keyPem = s.leaf ? encodePem('CERTIFICATE', s.leaf.cert) : encodePem('PUBLIC KEY', s.signingKey.publicKey.export({ type: 'spki', format: 'der' }));
  const signed = s.dsse ? (s.dsse.signRawPayload ? s.dsse.payload : pae(s.dsse.payloadType, s.dsse.payload)) : s.artifact;
  const digest = createHash('sha256').update(signed).digest();
  const signature = sign('sha256', signed, s.signingKey.privateKey);
  const hashedrekord = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } }, signature: { content: encodeBase64(signature), publicKey: { content: encodeBase64(Buffer.from(keyPem)) } } },
  };
  const dsseBody = s.dsse && {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: '00'.repeat(32) },
      payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(s.dsse.payload).digest('hex') },
      signatures: [{ signature: encodeBase64(signature), verifier: encodeBase64(Buffer.from(keyPem)) }],
    },
  };
  const logged = dsseBody && s.dsse?.logAs !== 'hashedrekord' ? dsseBody : hashedrekord;
  const body = Buffer.from(canonicalJson(logged));
  const logIndex = s.logIndex ?? 0;
  const set = sign('sha256', Buffer.from(canonicalJson({ body: encodeBase64(body), integratedTime: s.integratedTime, logID: w.logId.toString('hex'), logIndex })), w.logKey.privateKey);
  const root = hashLeaf(body);
  const text = `log.sigil.test:3000 - 1\n1\n${encodeBase64(root)}\n`;
  const note = signNote(text, [noteSignerFor('log.sigil.test:3000', w.logKey.privateKey, w.logKey.publicKey)]);
  let envelope = formatSignedNote(note);
  if (s.cosignaturesFirst?.length) envelope = envelope.replace('\n\n', `\n\n${s.cosignaturesFirst.join('')}`);
  const v03 = (s.mediaType ?? 'application/vnd.dev.sigstore.bundle.v0.3+json').includes('0.3');
  const material = !s.leaf
    ? { publicKey: { hint: 'managed' } }
    : v03
      ? { certificate: { rawBytes: encodeBase64(s.leaf.cert) } }
      : { x509CertificateChain: { certificates: [s.leaf.cert, ...(s.leaf.chain ?? [])].map((c) => ({ rawBytes: encodeBase64(c) })) } };
  return {
    mediaType: s.mediaType ?? 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      ...material,
      tlogEntries: [
        {
          logIndex: String(logIndex),
          logId: { keyId: encodeBase64(w.logId) },
          kindVersion: { kind: logged.kind, version: '0.0.1' },
          integratedTime: String(s.integratedTime),
          inclusionPromise: { signedEntryTimestamp: encodeBase64(set) },
          inclusionProof: { logIndex: String(logIndex), rootHash: encodeBase64(root), treeSize: '1', hashes: [], checkpoint: { envelope } },
          canonicalizedBody: encodeBase64(body),
        },
      ],
    },
    ...(s.dsse
      ? { dsseEnvelope: { payload: encodeBase64(s.dsse.payload), payloadType: s.dsse.payloadType, signatures: [{ sig: encodeBase64(signature), keyid: '' }] } }
      : { messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: encodeBase64(digest) }, signature: encodeBase64(signature) } }),
  };
}

/** A Fulcio-style leaf issued by the world's CA, valid for ten minutes from `notBefore`. */
export function makeLeaf(w: World, key: KeyObject, notBefore: number, over: Partial<CertSpec> = {}): Buffer {
  return makeCert({
    subject: '',
    issuer: 'sigil-ca',
    key,
    signer: w.caKey.privateKey,
    notBefore,
    notAfter: notBefore + 10 * 60_000,
    san: 'dev@sigil.test',
    oidcIssuer: 'https://oidc.sigil.test',
    serial: 7,
    ...over,
  });
}

/** Assert that `fn` throws a SigilError with this code (and, given one, a message matching `match`). */
export function throwsSigil(fn: () => unknown, code: string, match?: RegExp | string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error && err.name === 'SigilError', `expected a SigilError, got ${String(err)}`);
    assert.equal((err as { code?: unknown }).code, code, err.message);
    if (match instanceof RegExp) assert.match(err.message, match);
    return true;
  }, typeof match === 'string' ? match : undefined);
}
