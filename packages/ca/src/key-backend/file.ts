import { createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SigilError } from '@sigil/core';
import { x509 } from '../x509.js';
import { createCaHierarchy, INTERMEDIATE_ALGORITHM, type CaNames } from './hierarchy.js';
import { KeyPairSigner, type CaSigner } from './signer.js';

export interface FileCaSignerOptions {
  /** Directory holding the keys and certificates; created with them on first start. */
  dir: string;
  /**
   * Passphrase of the encrypted keys. Default: SIGIL_CA_PASSWORD, else the `passphrase`
   * file in `dir` — which is written (mode 0600) only when the keys are first created
   * without a password: a development convenience, not protection.
   */
  password?: string;
  names?: CaNames;
  now?: Date;
}

export const CA_FILES = {
  rootCert: 'root.crt.pem',
  rootKey: 'root.key.pem',
  intermediateCert: 'intermediate.crt.pem',
  intermediateKey: 'intermediate.key.pem',
  passphrase: 'passphrase',
} as const;

/**
 * Root and intermediate keys as encrypted PKCS#8 PEM (`ENCRYPTED PRIVATE KEY`,
 * AES-256-CBC) beside their certificates. A directory with none of the files gets a new
 * hierarchy; a directory with some but not all of them, or keys that do not decrypt or
 * do not match their certificates, is refused (ERR_CA_UNAVAILABLE): never a new key
 * over an old one.
 */
export async function fileCaSigner(opts: FileCaSignerOptions): Promise<CaSigner> {
  const path = (f: keyof typeof CA_FILES) => join(opts.dir, CA_FILES[f]);
  const required = ['rootCert', 'rootKey', 'intermediateCert', 'intermediateKey'] as const;
  const present = required.filter((f) => existsSync(path(f)));
  if (present.length === 0) await create(opts, path);
  else if (present.length !== required.length) {
    const missing = required.filter((f) => !present.includes(f)).map((f) => CA_FILES[f]);
    throw unavailable(`CA directory ${opts.dir} is incomplete (${missing.join(', ')} missing); refusing to create new keys over the old ones`);
  }
  const password = passwordFor(opts, path('passphrase'));
  const root = readCert(path('rootCert'));
  const intermediate = readCert(path('intermediateCert'));
  const key = decrypt(path('intermediateKey'), password);
  decrypt(path('rootKey'), password); // the root key must be usable too (it signs the next intermediate)

  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!spki.equals(Buffer.from(intermediate.publicKey.rawData))) throw unavailable(`${CA_FILES.intermediateKey} does not match ${CA_FILES.intermediateCert}`);
  const chainOk = (await root.verify({ signatureOnly: true })) && (await intermediate.verify({ publicKey: root.publicKey, signatureOnly: true }));
  if (!chainOk) throw unavailable(`${CA_FILES.intermediateCert} is not signed by ${CA_FILES.rootCert}`);
  try {
    return new KeyPairSigner([intermediate, root], key);
  } catch (cause) {
    throw unavailable(`${CA_FILES.intermediateKey} is not an ECDSA ${INTERMEDIATE_ALGORITHM.namedCurve} key`, cause);
  }
}

async function create(opts: FileCaSignerOptions, path: (f: keyof typeof CA_FILES) => string): Promise<void> {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  let password = opts.password ?? process.env.SIGIL_CA_PASSWORD;
  if (password === undefined) {
    password = randomBytes(32).toString('hex');
    write(path('passphrase'), `${password}\n`, 0o600);
  }
  const h = await createCaHierarchy({ now: opts.now ?? new Date(), randomBytes, extractable: true, ...(opts.names ? { names: opts.names } : {}) });
  const encrypt = async (k: webcrypto.CryptoKey): Promise<string> => {
    const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k));
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }).toString();
  };
  write(path('rootKey'), await encrypt(h.root.keys.privateKey), 0o600);
  write(path('intermediateKey'), await encrypt(h.intermediate.keys.privateKey), 0o600);
  write(path('rootCert'), h.root.cert.toString('pem') + '\n', 0o644);
  write(path('intermediateCert'), h.intermediate.cert.toString('pem') + '\n', 0o644);
}

function passwordFor(opts: FileCaSignerOptions, passphraseFile: string): string {
  const given = opts.password ?? process.env.SIGIL_CA_PASSWORD;
  if (given !== undefined) return given;
  if (existsSync(passphraseFile)) return readFileSync(passphraseFile, 'utf8').trim();
  throw unavailable('the CA keys are encrypted: give the password (option or SIGIL_CA_PASSWORD)');
}

function decrypt(file: string, passphrase: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (cause) {
    throw unavailable(`cannot read ${file}`, cause);
  }
  if (!pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) throw unavailable(`${file} is not an encrypted PKCS#8 key`);
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (cause) {
    throw unavailable(`cannot decrypt ${file}: wrong password or damaged file`, cause);
  }
}

function readCert(file: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw unavailable(`cannot read the certificate ${file}`, cause);
  }
}

function write(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, file);
}

function unavailable(message: string, cause?: unknown): SigilError {
  return new SigilError('ERR_CA_UNAVAILABLE', message, cause === undefined ? undefined : { cause });
}
