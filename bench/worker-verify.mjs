// Offline bundle verification for bench/client.bench.mjs: the cases (real public-good
// bundles from ../shared/vectors/bundles) and one verify function per library, shared by
// the main thread and by the worker threads this file also runs as.
//
// Both libraries get the same work per bundle: the bundle as JSON text (what a user reads
// from disk), the artifact bytes or, for DSSE, the subject digest, and the policy SAN +
// OIDC issuer from the manifest. The trusted root is parsed once, outside the loop.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { createVerifier, parseTrustedRoot, prepareBundle, verifyBundle } from '../packages/client/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const VECTORS = join(here, '..', '..', 'shared', 'vectors', 'bundles');

/**
 * The manifest's `expect: valid` cases signed by the public-good production instance, each
 * with an artifact or an in-toto subject digest. `all` adds the staging ones.
 */
export function loadCases({ all = false, names } = {}) {
  const manifest = JSON.parse(readFileSync(join(VECTORS, 'manifest.json'), 'utf8'));
  return manifest.cases
    .filter((c) => c.expect === 'valid' && (c.artifact || c.subjectDigest))
    .filter((c) => all || c.trustedRoot === 'trusted_root.public-good.json')
    .filter((c) => !names || names.includes(c.name))
    .map((c) => {
      const rootText = readFileSync(join(VECTORS, c.trustedRoot), 'utf8');
      const bundleText = readFileSync(join(VECTORS, c.bundle), 'utf8');
      let artifact;
      let subject;
      if (c.artifact) {
        artifact = readFileSync(join(VECTORS, c.artifact));
      } else {
        const [algorithm, hex] = Object.entries(c.subjectDigest).find(([k]) => k !== 'name');
        subject = { algorithm, hex };
      }
      return {
        name: c.name,
        content: c.content,
        rootName: c.trustedRoot,
        rootText,
        bundleText,
        bundleBytes: Buffer.byteLength(bundleText),
        artifact,
        artifactBytes: artifact?.length ?? 0,
        subject,
        identity: c.certificateIdentity,
        issuer: c.certificateOidcIssuer,
      };
    });
}

/**
 * sigstore-js's Verifier checks the DSSE envelope's signature, not that the statement is
 * about the artifact; a caller has to do that itself. This is that step (the one our
 * verifier does in ERR_VERIFY_ARTIFACT), so both sides do the same work.
 */
function checkSubject(bundle, subject) {
  const statement = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString('utf8'));
  const ok = Array.isArray(statement.subject) && statement.subject.some((s) => s?.digest?.[subject.algorithm]?.toLowerCase() === subject.hex);
  if (!ok) throw new Error('artifact digest is not a subject of the in-toto statement');
}

/**
 * One verify function per library and case: `() => void`, throws when the bundle does not
 * verify. Modes: 'text' parses the JSON text every call (the benchmark), 'prepared' parses
 * once outside (to show what parsing costs).
 */
export function makeVerify(impl, c, mode = 'text') {
  if (impl === 'sigil') {
    const trust = parseTrustedRoot(c.rootText);
    const policy = { identity: c.identity, issuer: c.issuer };
    const artifact = c.artifact ?? { digest: Buffer.from(c.subject.hex, 'hex'), algorithm: c.subject.algorithm };
    if (mode === 'prepared') {
      const bundle = prepareBundle(c.bundleText);
      return () => verifyBundle({ bundle, artifact, trust, policy });
    }
    const verify = createVerifier(trust, policy);
    return () => verify(c.bundleText, artifact);
  }
  if (impl === 'sigstore-js') {
    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(c.rootText))));
    const policy = { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } };
    if (mode === 'prepared') {
      const bundle = bundleFromJSON(JSON.parse(c.bundleText));
      const entity = toSignedEntity(bundle, c.artifact);
      return () => {
        verifier.verify(entity, policy);
        if (c.subject) checkSubject(bundle, c.subject);
      };
    }
    return () => {
      const bundle = bundleFromJSON(JSON.parse(c.bundleText));
      verifier.verify(toSignedEntity(bundle, c.artifact), policy);
      if (c.subject) checkSubject(bundle, c.subject);
    };
  }
  throw new Error(`unknown implementation ${impl}`);
}

/** The trusted root alone, as each library parses it (once per process in real use). */
export function makeParseRoot(impl, rootText) {
  if (impl === 'sigil') return () => parseTrustedRoot(rootText);
  return () => toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(rootText)));
}

// ---------------------------------------------------------------------------------------
// Worker thread: workerData { impl, names, counter, count, warmup }. Builds its verifiers,
// warms up, posts 'ready'; on 'go' takes bundles from a shared queue (an Atomics counter
// over `count`, as a real pool hands out work: a slower core simply takes fewer) and posts
// { done, verified, ms }.

if (!isMainThread && workerData?.role === 'client-bench-verify') {
  const { impl, names, counter, count, warmup } = workerData;
  const next = new Int32Array(counter);
  const fns = loadCases({ all: true, names }).map((c) => makeVerify(impl, c));
  for (let i = 0; i < warmup; i++) fns[i % fns.length]();
  parentPort.postMessage({ ready: true });
  parentPort.once('message', () => {
    const t0 = performance.now();
    let verified = 0;
    for (let i = Atomics.add(next, 0, 1); i < count; i = Atomics.add(next, 0, 1)) {
      fns[i % fns.length]();
      verified++;
    }
    parentPort.postMessage({ done: true, verified, ms: performance.now() - t0 });
  });
}

// ---------------------------------------------------------------------------------------
// As a script, one process (the bench pins it to one CPU with taskset, to measure each
// core's own speed): node bench/worker-verify.mjs IMPL COUNT [WARMUP] → {"ms": …} on stdout.

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const [impl = 'sigil', count = '600', warmup = '300'] = process.argv.slice(2);
  const fns = loadCases().map((c) => makeVerify(impl, c));
  for (let i = 0; i < Number(warmup); i++) fns[i % fns.length]();
  const t0 = performance.now();
  for (let i = 0; i < Number(count); i++) fns[i % fns.length]();
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }) + '\n');
}
