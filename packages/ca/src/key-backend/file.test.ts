import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSigilError } from '@sigil/core';
import { issueLeaf } from '../certificate.js';
import { renderExtensions } from '../issuers/extensions.js';
import { CA_FILES, fileCaSigner } from './file.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-ca-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const unavailable = (re: RegExp) => (e: unknown) => isSigilError(e) && e.code === 'ERR_CA_UNAVAILABLE' && e.httpStatus === 503 && re.test(e.message);

async function leafFrom(dir: string, password?: string) {
  const signer = await fileCaSigner({ dir, ...(password === undefined ? {} : { password }) });
  const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
  const leaf = await issueLeaf(signer, { publicKey: spki, principal: { san: { type: 'email', value: 'a@b.example' }, challenge: 'a@b.example', extensions: renderExtensions('https://i.example') }, now: new Date(), randomBytes });
  return { signer, leaf: new X509Certificate(Buffer.from(leaf.rawData)) };
}

void test('file keys: created encrypted on first start, the same chain on the next, refused when wrong', async () => {
  const dir = join(tmp, 'ca');
  const first = await leafFrom(dir, 'correct horse');
  for (const f of [CA_FILES.rootKey, CA_FILES.intermediateKey]) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.match(text, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/, `${f} is encrypted PKCS#8`);
    assert.equal(statSync(join(dir, f)).mode & 0o077, 0, `${f} is private to its owner`);
  }
  const [inter, root] = first.signer.chain.map((c) => new X509Certificate(Buffer.from(c.rawData))) as [X509Certificate, X509Certificate];
  assert.ok(first.leaf.verify(inter.publicKey) && inter.verify(root.publicKey) && root.verify(root.publicKey));
  assert.equal(root.subject, 'O=sigil\nCN=sigil');
  assert.equal(inter.subject, 'O=sigil\nCN=sigil-intermediate');
  assert.match(inter.toLegacyObject().ext_key_usage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.3/, 'intermediate EKU codeSigning');
  assert.equal(Math.round((Date.parse(root.validTo) - Date.parse(root.validFrom)) / (365.25 * 86400_000)), 10);

  const again = await leafFrom(dir, 'correct horse');
  assert.deepEqual(again.signer.chain.map((c) => Buffer.from(c.rawData).toString('hex')), first.signer.chain.map((c) => Buffer.from(c.rawData).toString('hex')), 'same chain after a restart');
  assert.ok(again.leaf.verify(inter.publicKey));

  await assert.rejects(fileCaSigner({ dir, password: 'wrong' }), unavailable(/cannot decrypt .*wrong password/));
  const saved = process.env.SIGIL_CA_PASSWORD;
  delete process.env.SIGIL_CA_PASSWORD;
  await assert.rejects(fileCaSigner({ dir }), unavailable(/give the password/));
  process.env.SIGIL_CA_PASSWORD = 'correct horse';
  await fileCaSigner({ dir });
  if (saved === undefined) delete process.env.SIGIL_CA_PASSWORD;
  else process.env.SIGIL_CA_PASSWORD = saved;

  // Never new keys over old ones, never a key that does not match its certificate.
  const key = readFileSync(join(dir, CA_FILES.intermediateKey));
  unlinkSync(join(dir, CA_FILES.intermediateKey));
  await assert.rejects(fileCaSigner({ dir, password: 'correct horse' }), unavailable(/incomplete \(intermediate\.key\.pem missing\)/));
  writeFileSync(join(dir, CA_FILES.intermediateKey), readFileSync(join(dir, CA_FILES.rootKey)));
  await assert.rejects(fileCaSigner({ dir, password: 'correct horse' }), unavailable(/does not match/));
  writeFileSync(join(dir, CA_FILES.intermediateKey), 'garbage');
  await assert.rejects(fileCaSigner({ dir, password: 'correct horse' }), unavailable(/not an encrypted PKCS#8 key/));
  writeFileSync(join(dir, CA_FILES.intermediateKey), key);
  await fileCaSigner({ dir, password: 'correct horse' });
});

void test('file keys without a password: a generated passphrase file, used again on restart', async () => {
  const saved = process.env.SIGIL_CA_PASSWORD;
  delete process.env.SIGIL_CA_PASSWORD;
  try {
    const dir = join(tmp, 'dev');
    const first = await leafFrom(dir);
    assert.equal(statSync(join(dir, CA_FILES.passphrase)).mode & 0o077, 0);
    assert.equal(readFileSync(join(dir, CA_FILES.passphrase), 'utf8').trim().length, 64);
    const again = await leafFrom(dir);
    assert.equal(Buffer.from(again.signer.chain[0]!.rawData).toString('hex'), Buffer.from(first.signer.chain[0]!.rawData).toString('hex'));
  } finally {
    if (saved !== undefined) process.env.SIGIL_CA_PASSWORD = saved;
  }
});
