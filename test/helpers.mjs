// Shared helpers for cross-package tests: free ports, the built CLI, waiting for a server.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const sigilBin = join(root, 'packages', 'cli', 'bin', 'sigil.js');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** Start `sigil ARGS…`; resolves once `url` answers 200. */
export async function startSigil(args, url, { timeoutMs = 20000 } = {}) {
  const child = spawn(process.execPath, [sigilBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sigil exited early (${child.exitCode}): ${output}`);
    try { if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return { child, output: () => output }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`sigil did not come up at ${url}: ${output}`);
}

export function waitExit(child) {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Run `sigil ARGS…` (or another bin with `{ bin }`) to completion. */
export function runSigil(args, { bin = sigilBin, ...opts } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
