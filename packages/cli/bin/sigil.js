#!/usr/bin/env node
// Runs from the bundle that `npm run build` writes after tsc (scripts/bundle-cli.mjs):
// one-shot commands start faster from a few chunks than from ~80 modules.
import { existsSync } from 'node:fs';

const bundle = new URL('../bundle/main.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('sigil: packages/cli/bundle is missing; run `npm run build` first\n');
  process.exit(1);
}
import(bundle.href).then((m) => m.main(process.argv));
