// Interop: sigstore-js's verifier (@sigstore/verify), a client we did not write, checks a
// key-signed bundle v0.3 whose tlog entry our log made: SET, inclusion proof and checkpoint.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, after } from 'node:test';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { serveLog, logTrustedRoot } from '@sigil/log';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-interop-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const hexToB64 = (h) => Buffer.from(h, 'hex').toString('base64');

function bundleFor(entry, artifact, signature) {
  const body = JSON.parse(Buffer.from(entry.body, 'base64').toString());
  const p = entry.verification.inclusionProof;
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      publicKey: { hint: 'sigil-test-key' },
      tlogEntries: [{
        logIndex: String(entry.logIndex),
        logId: { keyId: hexToB64(entry.logID) },
        kindVersion: { kind: body.kind, version: body.apiVersion },
        integratedTime: String(entry.integratedTime),
        inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
        inclusionProof: { logIndex: String(p.logIndex), rootHash: hexToB64(p.rootHash), treeSize: String(p.treeSize), hashes: p.hashes.map(hexToB64), checkpoint: { envelope: p.checkpoint } },
        canonicalizedBody: entry.body,
      }],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(artifact).digest('base64') }, signature: signature.toString('base64') },
  };
}

for (const keyType of ['ecdsa-p256', 'ed25519']) {
  test(`sigstore-js verifies a bundle whose entry our log (${keyType} key) created, after a shard rotation too`, async () => {
    const s = await serveLog({ dataDir: join(tmp, keyType), port: 0, keyType, publicUrl: 'http://127.0.0.1:3999' });
    try {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const make = async () => {
        const artifact = randomBytes(100);
        const signature = sign('sha256', artifact, privateKey);
        const proposed = { apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } }, signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })).toString('base64') } } } };
        const r = await fetch(`${s.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(proposed) });
        assert.equal(r.status, 201);
        const [[, entry]] = Object.entries(await r.json());
        return { artifact, signature, entry };
      };
      const first = await make();
      await s.log.rotate({});
      const second = await make();
      const root = logTrustedRoot(s.log);
      const keys = () => ({ publicKey, validFor: () => true });
      const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root), keys), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
      for (const { artifact, signature, entry } of [first, second]) {
        const bundle = bundleFromJSON(bundleFor(entry, artifact, signature));
        verifier.verify(toSignedEntity(bundle, artifact), {});
        // The same bundle with a forged SET, a wrong proof hash or another artifact must fail.
        const forged = bundleFor(entry, artifact, signature);
        forged.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp = sign('sha256', Buffer.from('x'), privateKey).toString('base64');
        assert.throws(() => verifier.verify(toSignedEntity(bundleFromJSON(forged), artifact), {}));
        const other = randomBytes(100);
        assert.throws(() => verifier.verify(toSignedEntity(bundle, other), {}));
      }
    } finally {
      await s.close();
    }
  });
}
