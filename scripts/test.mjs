// Runs every test: unit tests compiled next to their modules (packages/*/dist/**/*.test.js)
// and cross-package tests under test/ (*.test.mjs). `npm test -- FILTER` runs matching files only.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.test\.(js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dist = join(root, 'packages', pkg, 'dist');
  try { files.push(...walk(dist)); } catch { /* package not built */ }
}
try { files.push(...walk(join(root, 'test'))); } catch { /* no cross-package tests */ }
const selected = files.filter((f) => !filter || relative(root, f).includes(filter)).sort();
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
if (!filter) {
  // One lint config for every package, type-aware; a lint error fails the run like a test.
  const lint = spawnSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.'], { cwd: root, stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('lint failed');
    process.exit(lint.status ?? 1);
  }
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...selected], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
