import { createRequire } from 'node:module';

/**
 * @noble/curves, loaded on first use: importing it costs ~75 ms, which every process that
 * touches core (the CLI's `--help` included) would otherwise pay, while it is needed only
 * for prehashed signing, Ed25519ph and degenerate ECDSA cases. Node ≥ 20.19 loads ES
 * modules through require(), synchronously.
 */
const load = createRequire(import.meta.url);

type Nist = typeof import('@noble/curves/nist.js');
type Ed = typeof import('@noble/curves/ed25519.js');
type Edwards = typeof import('@noble/curves/abstract/edwards.js');
type Sha2 = typeof import('@noble/hashes/sha2.js');

let nist: Nist | undefined;
let ed: { ed25519: Ed; edwards: Edwards; sha2: Sha2 } | undefined;

export function nobleNist(): Nist {
  return (nist ??= load('@noble/curves/nist.js') as Nist);
}

export function nobleEd25519(): { ed25519: Ed; edwards: Edwards; sha2: Sha2 } {
  return (ed ??= {
    ed25519: load('@noble/curves/ed25519.js') as Ed,
    edwards: load('@noble/curves/abstract/edwards.js') as Edwards,
    sha2: load('@noble/hashes/sha2.js') as Sha2,
  });
}
