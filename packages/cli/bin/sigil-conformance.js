#!/usr/bin/env node
// Runs from the bundle that `npm run build` writes after tsc (scripts/bundle-cli.mjs).
import { existsSync } from 'node:fs';

const bundle = new URL('../bundle/conformance.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('sigil-conformance: packages/cli/bundle is missing; run `npm run build` first\n');
  process.exit(1);
}
import(bundle.href).then((m) => m.main(process.argv));
