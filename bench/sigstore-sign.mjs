#!/usr/bin/env node
// sigstore-js's side of the CLI comparison in bench/client.bench.mjs: what a user's
// one-shot `node sign.mjs FILE` pays. Keyless sign of FILE's bytes against URL (Fulcio
// and Rekor on one origin, as `sigil up` serves them), the identity token from the
// GitHub Actions variables ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN (sigstore-js's CI provider,
// the same token source `sigil sign-blob` uses), the bundle written to OUT.
//
//   node bench/sigstore-sign.mjs FILE OUT URL
import { readFileSync, writeFileSync } from 'node:fs';
import { sign } from 'sigstore';

const [file, out, url] = process.argv.slice(2);
if (!file || !out || !url) {
  process.stderr.write('usage: node bench/sigstore-sign.mjs FILE OUT URL\n');
  process.exit(2);
}
const bundle = await sign(readFileSync(file), { fulcioURL: url, rekorURL: url });
writeFileSync(out, JSON.stringify(bundle) + '\n');
