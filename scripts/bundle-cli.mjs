// Bundles the sigil command's client side (packages/cli/dist → packages/cli/bundle) with
// esbuild, after `tsc -b`. A one-shot command pays Node's ESM loader per module: the ~80
// files behind `sigil sign-blob` cost ~40 ms to resolve and link, one split bundle a
// fraction of that. Code splitting keeps each command's dynamic import() a chunk of its
// own, so `sigil --help` still loads only the command tree.
//
// The servers (log, CA, dev OIDC provider) stay outside: they start once and run for
// long, and the log starts worker threads from files next to its own modules. So do
// packages that load files or native code at run time (better-sqlite3, tuf-js, playwright).
//
//   node scripts/bundle-cli.mjs
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli');
const outdir = join(cli, 'bundle');
const t = performance.now();
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(cli, 'dist', 'main.js'), conformance: join(cli, 'dist', 'conformance.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // bundle/ sits beside dist/, so the paths modules resolve from import.meta.url
  // (../package.json, node_modules) are the same from either.
  external: [
    '@sigil/log', '@sigil/ca', '@sigil/oidc-dev', '@sigil/http',
    'fastify', 'better-sqlite3', 'pg', 'oidc-provider', 'tuf-js', 'playwright-core',
  ],
  // CommonJS dependencies (commander) call require(); give the ESM chunks one.
  banner: { js: "import { createRequire as __sigilCreateRequire } from 'node:module'; const require = __sigilCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log(`bundle-cli: packages/cli/bundle in ${Math.round(performance.now() - t)} ms`);
