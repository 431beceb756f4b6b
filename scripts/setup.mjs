// Installs what a fresh machine lacks before `npm start` / `npm test`: npm packages and,
// for the tests, the Debian packages they drive. Idempotent and quiet when nothing is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const noApt = process.argv.includes('--no-apt');

// Debian packages the test suite needs: a real browser for the OIDC login tests and a real
// OCI registry for the image-signing tests.
const APT_PACKAGES = ['chromium', 'docker-registry'];

function npmInstallNeeded() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000) return true;
  try {
    // better-sqlite3's native addon is the one part a copied node_modules can lack.
    execFileSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: join(root, 'packages', 'log'), stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

if (npmInstallNeeded()) {
  console.error('setup: installing npm packages (first run builds better-sqlite3 from source, about a minute)…');
  const lock = existsSync(join(root, 'package-lock.json'));
  const r = spawnSync('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!noApt && APT_PACKAGES.length > 0) {
  const missing = APT_PACKAGES.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) {
      console.error(`setup: the tests need these Debian packages: ${missing.join(' ')}\n  sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
      process.exit(1);
    }
    console.error(`setup: installing Debian packages: ${missing.join(' ')}`);
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.status !== 0) process.exit(r.status ?? 1);
    }
  }
}
