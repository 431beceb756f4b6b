import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodePem } from '@sigil/core';
import { assembleCertificate, encodeLeaf, issueLeaf, leafTbs, LEAF_VALIDITY_MS, subjectKeyId } from './certificate.js';
import {
  bitString, boolean, certificateTime, contextTag, DerText, encode, generalizedTime, node, objectIdentifier, octetString, readChildren, readElement,
  sequence, smallInteger, tlv, unsignedInteger, utcTime, utf8String, type DerInput,
} from './der.js';
import { OID_OTHERNAME_SAN, renderExtensions, type SigstoreExtension } from './issuers/extensions.js';
import type { Principal, SubjectAlternativeName } from './issuers/principal.js';
import { createCaHierarchy, type CaHierarchy } from './key-backend/hierarchy.js';
import { KeyPairSigner, randomSerial } from './key-backend/signer.js';
import { extensionsOf, sanOf, sigstoreExtensionsOf, x509 } from './test-support.js';

let h: CaHierarchy;
let signer: KeyPairSigner;
const tmp = mkdtempSync(join(tmpdir(), 'sigil-ca-cert-'));
before(async () => {
  h = await createCaHierarchy({ now: new Date(), randomBytes });
  signer = new KeyPairSigner([h.intermediate.cert, h.root.cert], h.intermediate.keys.privateKey);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

// ---- The previous issuance path, kept here as the reference: @peculiar/x509's generator
// over WebCrypto, with the extensions as certificate.ts built them before.

function referenceExtensions(spki: Uint8Array, issuerKeyId: Uint8Array, principal: Principal): x509.Extension[] {
  const san = (s: SubjectAlternativeName): Buffer => {
    switch (s.type) {
      case 'email':
        return sequence(tlv(0x81, Buffer.from(s.value, 'ascii')));
      case 'uri':
        return sequence(tlv(0x86, Buffer.from(s.value, 'ascii')));
      case 'otherName':
        return sequence(tlv(0xa0, Buffer.concat([objectIdentifier(OID_OTHERNAME_SAN), tlv(0xa0, utf8String(s.value))])));
    }
  };
  const sigstore = (e: SigstoreExtension) => new x509.Extension(e.oid, false, e.encoding === 'raw' ? Buffer.from(e.value, 'utf8') : utf8String(e.value));
  return [
    new x509.Extension('2.5.29.15', true, Buffer.from([0x03, 0x02, 0x07, 0x80])),
    new x509.Extension('2.5.29.37', false, sequence(objectIdentifier('1.3.6.1.5.5.7.3.3'))),
    new x509.Extension('2.5.29.14', false, octetString(subjectKeyId(spki))),
    new x509.Extension('2.5.29.35', false, sequence(tlv(0x80, issuerKeyId))),
    new x509.Extension('2.5.29.17', true, san(principal.san)),
    ...principal.extensions.map(sigstore),
  ];
}

async function referenceLeaf(serial: Uint8Array, notBefore: Date, spki: Uint8Array, principal: Principal): Promise<Buffer> {
  const issuer = h.intermediate.cert;
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension)!;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(serial).toString('hex'),
    issuer: new x509.Name(issuer.subjectName.toArrayBuffer()),
    notBefore,
    notAfter: new Date(notBefore.getTime() + LEAF_VALIDITY_MS),
    publicKey: spki,
    signingKey: h.intermediate.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: referenceExtensions(spki, Buffer.from(ski.keyId, 'hex'), principal),
  });
  return Buffer.from(cert.rawData);
}

/** tbsCertificate, signatureAlgorithm and the signature BIT STRING of a certificate. */
function partsOf(der: Buffer): { tbs: Buffer; alg: Buffer; sig: Buffer } {
  const outer = readElement(der);
  assert.equal(outer.rest.length, 0);
  const [tbs, alg, sig, extra] = readChildren(outer.content);
  assert.ok(tbs && alg && sig && !extra);
  return { tbs: tbs.raw, alg: alg.raw, sig: sig.raw };
}

const keys = {
  'P-256': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
  'P-384': () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
  'P-521': () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey,
  Ed25519: () => generateKeyPairSync('ed25519').publicKey,
  'RSA-2048': () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
};

const GH = 'https://token.actions.githubusercontent.com';
const principals: Record<string, Principal> = {
  email: { san: { type: 'email', value: 'ada@example.com' }, challenge: 'ada@example.com', extensions: renderExtensions('https://accounts.example.com') },
  'github-workflow (every extension, non-ASCII values)': {
    san: { type: 'uri', value: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0' },
    challenge: 'repo:acme/app:ref:refs/tags/v1.2.0',
    extensions: renderExtensions(GH, {
      GithubWorkflowTrigger: 'push', GithubWorkflowSHA: 'a'.repeat(40), GithubWorkflowName: 'Relëase ✓', GithubWorkflowRepository: 'acme/app', GithubWorkflowRef: 'refs/tags/v1.2.0',
      BuildSignerURI: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0', BuildSignerDigest: 'b'.repeat(40), RunnerEnvironment: 'github-hosted',
      SourceRepositoryURI: 'https://github.com/acme/app', SourceRepositoryDigest: 'a'.repeat(40), SourceRepositoryRef: 'refs/tags/v1.2.0', SourceRepositoryIdentifier: '1',
      SourceRepositoryOwnerURI: 'https://github.com/acme', SourceRepositoryOwnerIdentifier: '2', BuildConfigURI: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0',
      BuildConfigDigest: 'b'.repeat(40), BuildTrigger: 'push', RunInvocationURI: 'https://github.com/acme/app/actions/runs/99/attempts/1',
      SourceRepositoryVisibilityAtSigning: 'public', DeploymentEnvironment: 'prodüction', Subject: 'repo:acme/app:ref:refs/tags/v1.2.0',
    }),
  },
  'username (otherName)': { san: { type: 'otherName', value: 'adä!example.io' }, challenge: 'adä', extensions: renderExtensions('https://login.example.io') },
  // A SAN long enough that lengths need two octets (0x82 form) at several levels.
  'long URI': { san: { type: 'uri', value: `https://example.net/${'x'.repeat(300)}` }, challenge: 'x', extensions: renderExtensions(`https://example.net/${'i'.repeat(200)}`) },
};

const serials: Record<string, Uint8Array> = {
  random: randomSerial(randomBytes),
  'all 0x7f..ff (as the issuer tests use)': randomSerial((n) => Buffer.alloc(n, 0xff)),
  'a leading zero octet, then a high bit': Uint8Array.from([0x00, 0x80, ...randomBytes(18)]),
  'two leading zero octets': Uint8Array.from([0x00, 0x00, 0x01, ...randomBytes(17)]),
  'one': Uint8Array.from([...new Uint8Array(19), 1]),
};

const times: Record<string, Date> = {
  now: new Date(Math.floor(Date.now() / 1000) * 1000),
  'the last UTCTime minutes (notAfter in 2050: GeneralizedTime)': new Date('2049-12-31T23:55:00Z'),
  'after 2049 (both GeneralizedTime)': new Date('2071-06-30T08:09:10Z'),
  '1999': new Date('1999-12-31T23:59:59Z'),
};

void test('a leaf from the DER writer equals the @peculiar/x509 leaf for the same inputs, byte for byte but the signature', async () => {
  let n = 0;
  const check = async (what: string, serial: Uint8Array, notBefore: Date, spki: Buffer, principal: Principal) => {
    const now = new Date(notBefore.getTime() + 999); // sub-second part is dropped by both paths
    const ours = await encodeLeaf(signer, { publicKey: spki, principal, now, randomBytes: (len) => (assert.equal(len, 20), serial) });
    const theirs = await referenceLeaf(serial, notBefore, spki, principal);
    const a = partsOf(ours);
    const b = partsOf(theirs);
    assert.equal(a.tbs.toString('hex'), b.tbs.toString('hex'), `${what}: TBSCertificate`);
    assert.equal(a.alg.toString('hex'), b.alg.toString('hex'), `${what}: signatureAlgorithm`);
    assert.equal(a.alg.toString('hex'), '300a06082a8648ce3d040302', 'ecdsa-with-SHA256, no parameters');
    assert.equal(ours.subarray(0, ours.length - a.sig.length - a.tbs.length - a.alg.length).length, theirs.length - b.sig.length - b.tbs.length - b.alg.length, 'same outer header form');
    // Both signatures verify under the intermediate.
    const inter = new X509Certificate(Buffer.from(h.intermediate.cert.rawData));
    assert.ok(new X509Certificate(ours).verify(inter.publicKey), `${what}: our signature verifies`);
    assert.ok(new X509Certificate(theirs).verify(inter.publicKey), `${what}: reference signature verifies`);
    n++;
  };
  for (const [k, make] of Object.entries(keys)) {
    const spki = make().export({ type: 'spki', format: 'der' });
    for (const [p, principal] of Object.entries(principals)) await check(`${k}, ${p}`, serials.random!, times.now!, spki, principal);
  }
  const spki = keys['P-256']().export({ type: 'spki', format: 'der' });
  for (const [s, serial] of Object.entries(serials)) await check(`serial ${s}`, serial, times.now!, spki, principals.email!);
  for (const [t, time] of Object.entries(times)) await check(`time ${t}`, serials.random!, time, spki, principals['github-workflow (every extension, non-ASCII values)']!);
  assert.equal(n, Object.keys(keys).length * Object.keys(principals).length + Object.keys(serials).length + Object.keys(times).length);
});

void test('node, @peculiar/x509 and openssl read every field of a new leaf back', async () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const spki = key.export({ type: 'spki', format: 'der' });
  const principal = principals['github-workflow (every extension, non-ASCII values)']!;
  const serial = Uint8Array.from([0x00, 0x9a, ...new Uint8Array(17), 0x01]);
  const now = new Date('2026-03-01T12:00:00.250Z');
  const cert = await issueLeaf(signer, { publicKey: spki, principal, now, randomBytes: () => serial });
  const der = Buffer.from(cert.rawData);

  const node = new X509Certificate(der);
  assert.equal(readChildren(readElement(partsOf(der).tbs).content)[1]!.raw.toString('hex'), `0214009a${'00'.repeat(17)}01`, 'a minimal positive INTEGER');
  assert.equal(node.serialNumber, `9A${'00'.repeat(17)}01`, 'node shows the serial without its sign octet');
  assert.ok(node.subject === undefined || node.subject === '', 'empty subject');
  assert.equal(node.issuer, 'O=sigil\nCN=sigil-intermediate');
  assert.equal(new Date(node.validFrom).toISOString(), '2026-03-01T12:00:00.000Z');
  assert.equal(new Date(node.validTo).toISOString(), '2026-03-01T12:10:00.000Z');
  assert.equal(node.ca, false);
  assert.ok(node.checkIssued(new X509Certificate(Buffer.from(h.intermediate.cert.rawData))));
  assert.ok(node.publicKey.export({ type: 'spki', format: 'der' }).equals(spki));
  assert.equal(node.subjectAltName, `URI:${principal.san.value}`);
  assert.deepEqual(node.keyUsage, ['1.3.6.1.5.5.7.3.3'], 'node reports the EKU here');

  assert.equal(cert.serialNumber, `9a${'00'.repeat(17)}01`);
  const alg = cert.signatureAlgorithm as unknown as { name?: string; hash?: { name?: string } };
  assert.deepEqual([alg.name, alg.hash?.name], ['ECDSA', 'SHA-256']);
  assert.equal(cert.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.digitalSignature);
  assert.deepEqual([...cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [x509.ExtendedKeyUsage.codeSigning]);
  assert.equal(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId, Buffer.from(await cert.publicKey.getKeyIdentifier('SHA-1')).toString('hex'));
  assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId, h.intermediate.cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
  assert.deepEqual(sanOf(cert), { type: 'uri', value: principal.san.value, critical: true, count: 1 });
  assert.deepEqual(Object.keys(sigstoreExtensionsOf(cert)), principal.extensions.map((e) => e.oid));
  assert.deepEqual([...extensionsOf(cert).entries()].map(([oid, e]) => `${oid}${e.critical ? '!' : ''}`).slice(0, 5), ['2.5.29.15!', '2.5.29.37', '2.5.29.14', '2.5.29.35', '2.5.29.17!']);
  assert.ok(await cert.verify({ publicKey: h.intermediate.cert.publicKey, signatureOnly: true }));

  const user = await issueLeaf(signer, { publicKey: spki, principal: principals['username (otherName)']!, now, randomBytes });
  assert.deepEqual(sanOf(user), { type: 'otherName', value: 'adä!example.io', critical: true, count: 1 });

  let text: string;
  try {
    const file = join(tmp, 'leaf.pem');
    writeFileSync(file, encodePem('CERTIFICATE', der));
    text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no openssl binary here
    throw err;
  }
  for (const line of [
    /Version: 3 \(0x2\)/,
    /Serial Number:\s+9a:(00:){17}01\n/,
    /Signature Algorithm: ecdsa-with-SHA256/,
    /Issuer: O = sigil, CN = sigil-intermediate/,
    /Not Before: Mar  1 12:00:00 2026 GMT/,
    /Not After : Mar  1 12:10:00 2026 GMT/,
    /Subject: *\n/,
    /Public-Key: \(256 bit\)/,
    /X509v3 Key Usage: critical\s+Digital Signature\n/,
    /X509v3 Extended Key Usage: \s+Code Signing\n/,
    /X509v3 Subject Key Identifier: \s+[0-9A-F:]{59}\n/,
    /X509v3 Authority Key Identifier: \s+(keyid:)?[0-9A-F:]{59}\n/,
    /X509v3 Subject Alternative Name: critical\s+URI:https:\/\/github.com\/acme\/app\/.github\/workflows\/release.yml@refs\/tags\/v1.2.0\n/,
    /1\.3\.6\.1\.4\.1\.57264\.1\.1: \s+https:\/\/token.actions.githubusercontent.com\n/,
    /1\.3\.6\.1\.4\.1\.57264\.1\.24: \s+.{1,2}repo:acme\/app:ref:refs\/tags\/v1.2.0\n/,
  ]) assert.match(text, line);
});

void test('the DER writer: lengths, integers, times, OIDs, strings and tags', () => {
  const hex = (b: Buffer) => b.toString('hex');
  assert.equal(hex(tlv(0x04, Buffer.alloc(0))), '0400');
  assert.equal(hex(tlv(0x04, Buffer.alloc(0x7f))).slice(0, 4), '047f');
  assert.equal(hex(tlv(0x04, Buffer.alloc(0x80))).slice(0, 6), '048180');
  assert.equal(hex(tlv(0x04, Buffer.alloc(0xff))).slice(0, 6), '0481ff');
  assert.equal(hex(tlv(0x04, Buffer.alloc(0x100))).slice(0, 8), '04820100');
  assert.equal(hex(tlv(0x04, Buffer.alloc(0x10000))).slice(0, 10), '0483010000');
  assert.equal(tlv(0x04, Buffer.alloc(0x10000)).length, 0x10000 + 5);
  assert.equal(hex(sequence(Buffer.from([1]), Buffer.from([2, 3]))), '3003010203');
  assert.equal(hex(sequence()), '3000');
  for (const e of [tlv(0x04, Buffer.alloc(300, 7)), sequence(octetString(Buffer.alloc(200)), utf8String('é'))]) {
    const r = readElement(e);
    assert.equal(r.rest.length, 0);
    assert.ok(r.raw.equals(e));
  }

  assert.equal(hex(unsignedInteger(Uint8Array.of(0))), '020100');
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 0))), '020100');
  assert.equal(hex(unsignedInteger(Uint8Array.of(0x7f))), '02017f');
  assert.equal(hex(unsignedInteger(Uint8Array.of(0x80))), '02020080');
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 0x80, 1))), '0203008001');
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0x7f, 1))), '02027f01');
  assert.equal(hex(smallInteger(2)), '020102');
  assert.equal(hex(smallInteger(0)), '020100');
  assert.equal(hex(smallInteger(256)), '02020100');
  assert.equal(hex(smallInteger(128)), '02020080');

  assert.equal(hex(boolean(true)), '0101ff');
  assert.equal(hex(boolean(false)), '010100');
  assert.equal(hex(bitString(Uint8Array.of(0x80), 7)), '03020780');
  assert.equal(hex(bitString(Uint8Array.of(1, 2))), '0303000102');
  assert.throws(() => bitString(Uint8Array.of(), 1));
  assert.throws(() => bitString(Uint8Array.of(1), 8));
  assert.equal(hex(octetString(Buffer.from('hi'))), '04026869');
  assert.equal(hex(utf8String('é')), '0c02c3a9');
  assert.equal(hex(contextTag(0, true, smallInteger(2))), 'a003020102');
  assert.equal(hex(contextTag(0, false, Buffer.from([9]))), '800109');
  assert.equal(hex(contextTag(6, false, Buffer.from('u'))), '860175');
  assert.throws(() => contextTag(31, false));
  assert.throws(() => tlv(0x1f, Buffer.alloc(0)), /unsupported tag/);

  assert.equal(hex(objectIdentifier('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(objectIdentifier('2.5.29.17')), '0603551d11');
  assert.equal(hex(objectIdentifier('1.3.6.1.4.1.57264.1.24')), '060a2b0601040183bf300118');
  assert.equal(hex(objectIdentifier('2.999.3')), '0603883703');
  for (const bad of ['1', '1.2.a', '1.02', '3.1', '1.40', '']) assert.throws(() => objectIdentifier(bad), /bad OID/, bad);

  const ascii = (b: Buffer) => b.subarray(2).toString('ascii');
  assert.equal(ascii(utcTime(new Date('2026-03-01T02:03:04Z'))), '260301020304Z');
  assert.equal(utcTime(new Date('2026-03-01T02:03:04Z'))[0], 0x17);
  assert.equal(ascii(utcTime(new Date('1950-01-01T00:00:00Z'))), '500101000000Z');
  assert.equal(ascii(utcTime(new Date('2049-12-31T23:59:59Z'))), '491231235959Z');
  assert.throws(() => utcTime(new Date('2050-01-01T00:00:00Z')), /UTCTime/);
  assert.throws(() => utcTime(new Date('1949-12-31T23:59:59Z')), /UTCTime/);
  assert.equal(ascii(generalizedTime(new Date('2050-01-01T00:00:00Z'))), '20500101000000Z');
  assert.equal(generalizedTime(new Date('2050-01-01T00:00:00Z'))[0], 0x18);
  assert.throws(() => generalizedTime(new Date('2050-01-01T00:00:00.5Z')), /whole seconds/);
  assert.throws(() => certificateTime(new Date(Number.NaN)), /invalid date/);
  assert.equal(certificateTime(new Date('2049-12-31T23:59:59Z'))[0], 0x17, 'UTCTime through 2049');
  assert.equal(certificateTime(new Date('2050-01-01T00:00:00Z'))[0], 0x18, 'GeneralizedTime from 2050');
  assert.equal(certificateTime(new Date('1949-12-31T23:59:59Z'))[0], 0x18, 'GeneralizedTime before 1950');

  // Deferred trees: sized first, written once; the same bytes as the eager writers.
  assert.equal(hex(encode(node(0x30, Buffer.from([1]), new DerText('é'), node(0x04)))), '300501c3a90400');
  assert.equal(hex(encode(Buffer.from([1]), node(0x05))), '010500', 'siblings, one after the other');
  const random = (depth: number): [DerInput, Buffer] => {
    if (depth === 0 || Math.random() < 0.3) {
      if (Math.random() < 0.5) {
        const text = 'ü✓x'.repeat(Math.floor(Math.random() * 60));
        return [new DerText(text), Buffer.from(text, 'utf8')];
      }
      const bytes = randomBytes(Math.floor(Math.random() * 200));
      return [bytes, bytes];
    }
    const kids = Array.from({ length: Math.floor(Math.random() * 5) }, () => random(depth - 1));
    const tag = [0x30, 0x31, 0xa3, 0x04, 0x0c][Math.floor(Math.random() * 5)]!;
    return [node(tag, ...kids.map(([k]) => k)), tlv(tag, ...kids.map(([, b]) => b))];
  };
  for (let i = 0; i < 200; i++) {
    const [deferred, eager] = random(4);
    assert.equal(hex(encode(deferred)), hex(eager));
  }
  assert.throws(() => node(0x1f), /unsupported tag/);

  assert.throws(() => readElement(Buffer.from('04810100', 'hex')), /not minimal/);
  assert.throws(() => readElement(Buffer.from('0482000100', 'hex')), /not minimal/);
  assert.throws(() => readElement(Buffer.from('0403aa', 'hex')), /truncated/);
});

void test('leaf assembly: the signer gets the TBS and nothing else; a malformed SPKI or signature is refused', async () => {
  const spki = keys['P-256']().export({ type: 'spki', format: 'der' });
  const principal = principals.email!;
  const seen: Buffer[] = [];
  const recording = { chain: signer.chain, signTbs: (tbs: Buffer) => (seen.push(Buffer.from(tbs)), signer.signTbs(tbs)) };
  const der = await encodeLeaf(recording, { publicKey: spki, principal, now: new Date(), randomBytes });
  assert.equal(seen.length, 1);
  assert.ok(partsOf(der).tbs.equals(seen[0]!));
  const tbs = leafTbs(signer.chain[0]!, { serialNumber: Uint8Array.of(1), notBefore: new Date(0), notAfter: new Date(600_000), publicKey: spki, principal });
  assert.ok(new X509Certificate(assembleCertificate(tbs, signer.signTbs(tbs))).verify(new X509Certificate(Buffer.from(signer.chain[0]!.rawData)).publicKey));
  await assert.rejects(encodeLeaf(signer, { publicKey: Buffer.concat([spki, Buffer.from([0])]), principal, now: new Date(), randomBytes }), /SubjectPublicKeyInfo/);
  await assert.rejects(encodeLeaf(signer, { publicKey: Buffer.from('3000', 'hex'), principal, now: new Date(), randomBytes }), /SubjectPublicKeyInfo/);
  await assert.rejects(encodeLeaf({ chain: signer.chain, signTbs: () => Buffer.from('3044', 'hex') }, { publicKey: spki, principal, now: new Date(), randomBytes }), /truncated/);
  await assert.rejects(encodeLeaf({ chain: signer.chain, signTbs: () => Buffer.from('0400', 'hex') }, { publicKey: spki, principal, now: new Date(), randomBytes }), /not a DER ECDSA-Sig-Value/);
  assert.throws(() => new KeyPairSigner(signer.chain, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), /P-256/);
  assert.throws(() => new KeyPairSigner(signer.chain, generateKeyPairSync('ed25519').privateKey), /P-256/);
  assert.throws(() => new KeyPairSigner([], generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), /certificate chain/);
});
