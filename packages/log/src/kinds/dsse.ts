import { canonicalJsonBytes, sha256 } from '@sigil/core';
import { LIMITS, arr, compileSchema, constant, decodeBase64Field, guarded, invalid, obj, str, uniqueKeys } from './common.js';
import { inTotoDigestKeys, matchSignatures, pae, type EnvelopeSignature, type EnvelopeVerifier } from './envelope.js';
import type { AdmittedEntry, EntryKind } from './kind.js';
import { parseVerifierKey } from './verifier-key.js';

export { pae } from './envelope.js';

/**
 * dsse v0.0.1 (Rekor pkg/types/dsse/v0.0.1). Proposed as `proposedContent{envelope,
 * verifiers}` — the envelope as a JSON string and the PEM keys/certificates that verify
 * it. The leaf keeps only hashes and signatures: `envelopeHash` (of the envelope string's
 * bytes as submitted), `payloadHash`, and `signatures[{signature, verifier}]` sorted by
 * signature. The canonical form itself is not accepted as a proposal.
 */
export const KIND = 'dsse';
export const API_VERSION = '0.0.1';

interface Proposal {
  spec: { proposedContent: { envelope: string; verifiers: string[] } };
}

interface Envelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string }[];
}

const checkProposal = compileSchema<Proposal>(
  obj({
    apiVersion: constant(API_VERSION),
    kind: constant(KIND),
    spec: obj({
      proposedContent: obj({
        envelope: str(LIMITS.envelopeChars),
        verifiers: arr(str(LIMITS.publicKeyBase64), 1, LIMITS.signatures),
      }),
    }),
  }),
);

const ENVELOPE = 'spec.proposedContent.envelope';

const checkEnvelope = compileSchema<Envelope>(
  obj({
    payload: str(LIMITS.envelopeChars),
    payloadType: str(LIMITS.payloadTypeChars),
    signatures: arr(obj({ sig: str(LIMITS.envelopeSignatureBase64), keyid: str(LIMITS.keyidChars, 0) }, ['sig']), 1, LIMITS.signatures),
  }),
  ENVELOPE,
);

function parseEnvelope(text: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`${ENVELOPE} is not valid JSON (it must be the DSSE envelope serialized as a string)`);
  }
  return checkEnvelope(parsed);
}

/** The canonical (read-only) shape, which Rekor parses but will not insert. */
function isCanonicalShape(proposed: unknown): boolean {
  const spec = (proposed as { spec?: unknown } | null)?.spec;
  return typeof spec === 'object' && spec !== null && !('proposedContent' in spec) && 'envelopeHash' in spec;
}

function admit(proposed: unknown): AdmittedEntry {
  return guarded('dsse entry', () => {
    if (isCanonicalShape(proposed)) {
      throw invalid('spec.proposedContent is missing: propose {envelope, verifiers}; the canonical form (envelopeHash, payloadHash, signatures) cannot be submitted');
    }
    const { envelope: envelopeText, verifiers: verifierTexts } = checkProposal(proposed).spec.proposedContent;
    const envelope = parseEnvelope(envelopeText);
    const payload = decodeBase64Field(envelope.payload, `${ENVELOPE}.payload`);

    const signatures: EnvelopeSignature[] = envelope.signatures.map((s, i) => {
      const field = `${ENVELOPE}.signatures[${i}].sig`;
      return { bytes: decodeBase64Field(s.sig, field), field };
    });
    const verifiers: EnvelopeVerifier[] = verifierTexts.map((text, i) => {
      const field = `spec.proposedContent.verifiers[${i}]`;
      return { key: parseVerifierKey(decodeBase64Field(text, field), field), field };
    });
    const owners = matchSignatures(pae(envelope.payloadType, payload), signatures, verifiers);

    // One leaf signature per distinct sig string (Rekor keys them by it), sorted by it.
    const bySig = new Map<string, EnvelopeVerifier>();
    envelope.signatures.forEach((s, i) => {
      const owner = verifiers[owners[i] ?? -1];
      if (owner !== undefined && !bySig.has(s.sig)) bySig.set(s.sig, owner);
    });
    const sorted = [...bySig.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

    const payloadHash = sha256(payload).toString('hex');
    const envelopeHash = sha256(Buffer.from(envelopeText, 'utf8')).toString('hex');
    const canonical = canonicalJsonBytes({
      apiVersion: API_VERSION,
      kind: KIND,
      spec: {
        envelopeHash: { algorithm: 'sha256', value: envelopeHash },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
        signatures: sorted.map(([signature, v]) => ({
          signature,
          verifier: Buffer.from(v.key.canonicalPem, 'latin1').toString('base64'),
        })),
      },
    });
    const indexKeys = uniqueKeys([
      ...sorted.flatMap(([, v]) => [`sha256:${sha256(Buffer.from(v.key.canonicalPem, 'latin1')).toString('hex')}`, ...v.key.subjects]),
      `sha256:${payloadHash}`,
      `sha256:${envelopeHash}`,
      ...inTotoDigestKeys(envelope.payloadType, payload),
    ]);
    return { kind: KIND, apiVersion: API_VERSION, canonical, indexKeys };
  });
}

export const dsseV001: EntryKind = { kind: KIND, apiVersion: API_VERSION, admit };
