import { SigilError } from '@sigil/core';
import { runVerification, type VerifyFlags } from './verifying.js';

export interface VerifyAttestationFlags extends VerifyFlags {
  type?: string;
}

/** As verify-blob, for DSSE attestations; `--type` (a cosign shorthand or URI) must equal the statement's predicateType. */
export async function verifyBlobAttestation(file: string, o: VerifyAttestationFlags): Promise<void> {
  const { predicateTypeOf } = await import('@sigil/client/sign');
  const want = o.type === undefined ? undefined : predicateTypeOf(o.type);
  await runVerification(o, file, 'dsseEnvelope', (r) => {
    if (want !== undefined && r.statement?.predicateType !== want) {
      throw new SigilError('ERR_VERIFY_POLICY', `the attestation's predicate type is ${JSON.stringify(r.statement?.predicateType ?? null)}, not ${JSON.stringify(want)}`);
    }
  });
}
