// Sign or verify a blob with sigstore-js (the reference client) against a Sigil stack, until
// `sigil sign-blob` / `verify-blob` land. Run from the repository root (sigstore-js is a dev dependency).
//   node scripts/sigstore-js.mjs sign FILE BUNDLE URL            (token from $SIGSTORE_ID_TOKEN)
//   node scripts/sigstore-js.mjs verify FILE BUNDLE TRUSTED_ROOT SAN_REGEXP ISSUER
import { readFileSync, writeFileSync } from 'node:fs';

const [cmd, file, bundlePath, ...rest] = process.argv.slice(2);
try {
  if (cmd === 'sign') {
    const { sign } = await import('sigstore');
    const [url] = rest;
    const token = process.env.SIGSTORE_ID_TOKEN;
    if (!token || !url) throw new Error('usage: SIGSTORE_ID_TOKEN=… node scripts/sigstore-js.mjs sign FILE BUNDLE URL');
    writeFileSync(bundlePath, JSON.stringify(await sign(readFileSync(file), { fulcioURL: url, rekorURL: url, identityToken: token }), null, 2));
    console.log(`signed ${file} → ${bundlePath}`);
  } else if (cmd === 'verify') {
    const { Verifier, toSignedEntity, toTrustMaterial } = await import('@sigstore/verify');
    const { bundleFromJSON } = await import('@sigstore/bundle');
    const { TrustedRoot } = await import('@sigstore/protobuf-specs');
    const [rootPath, san, issuer] = rest;
    const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(rootPath, 'utf8')));
    const verifier = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
    verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(readFileSync(bundlePath, 'utf8'))), readFileSync(file)), { subjectAlternativeName: new RegExp(san), extensions: { issuer } });
    console.log('Verified OK');
  } else {
    throw new Error('usage: node scripts/sigstore-js.mjs sign|verify …');
  }
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
