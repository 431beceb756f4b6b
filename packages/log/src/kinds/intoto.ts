import { canonicalJsonBytes, isBase64, sha256 } from '@sigil/core';
import { LIMITS, arr, compileSchema, constant, decodeBase64Field, fail, guarded, invalid, obj, oneOf, str, uniqueKeys } from './common.js';
import { inTotoDigestKeys, matchSignatures, pae, type EnvelopeSignature, type EnvelopeVerifier } from './envelope.js';
import type { AdmittedEntry, EntryKind } from './kind.js';
import { parseVerifierKey } from './verifier-key.js';

/**
 * intoto v0.0.2 (Rekor pkg/types/intoto/v0.0.2), legacy: accepted, never emitted by
 * Sigil clients. The envelope's `payload` and each `sig` are the DSSE base64 strings,
 * base64-encoded once more; `publicKey` is base64 of a PEM. `hash` is computed by the
 * client over its own serialization of the envelope and is recorded, not recomputed
 * (Rekor does not check it either); `payloadHash` is recomputed; `publicKey` is kept as
 * submitted. The leaf drops `envelope.payload`, so a leaf cannot be re-admitted.
 */
export const KIND = 'intoto';
export const API_VERSION = '0.0.2';

interface Digest {
  algorithm: 'sha256';
  value: string;
}

interface Proposal {
  spec: {
    content: {
      envelope: { payload: string; payloadType: string; signatures: { keyid?: string; sig: string; publicKey: string }[] };
      hash: Digest;
      payloadHash?: Digest;
    };
  };
}

const digestSchema = obj({ algorithm: oneOf(['sha256']), value: str(64) });

const checkProposal = compileSchema<Proposal>(
  obj({
    apiVersion: constant(API_VERSION),
    kind: constant(KIND),
    spec: obj({
      content: obj(
        {
          envelope: obj({
            payload: str(LIMITS.envelopeChars),
            payloadType: str(LIMITS.payloadTypeChars),
            signatures: arr(
              obj(
                {
                  keyid: str(LIMITS.keyidChars, 0),
                  sig: str(4 * Math.ceil(LIMITS.envelopeSignatureBase64 / 3)),
                  publicKey: str(LIMITS.publicKeyBase64),
                },
                ['sig', 'publicKey'],
              ),
              1,
              LIMITS.signatures,
            ),
          }),
          hash: digestSchema,
          payloadHash: digestSchema,
        },
        ['envelope', 'hash'],
      ),
    }),
  }),
);

const ENVELOPE = 'spec.content.envelope';

/** base64(base64(x)) → x; both layers strict standard base64. */
function decodeTwice(text: string, field: string): { outer: Buffer; inner: string; bytes: Buffer } {
  const outer = decodeBase64Field(text, field);
  const inner = outer.toString('latin1');
  if (!isBase64(inner) || inner === '') {
    throw fail('ERR_ENCODING', `${field} must be base64 of the DSSE base64 string (double-encoded); the decoded text is not base64`);
  }
  return { outer, inner, bytes: decodeBase64Field(inner, field) };
}

function checkDigest(d: Digest, field: string): string {
  if (!/^[0-9a-f]{64}$/.test(d.value)) throw invalid(`${field}.value must be 64 lowercase hex characters`);
  return d.value;
}

function admit(proposed: unknown): AdmittedEntry {
  return guarded('intoto entry', () => {
    const { content } = checkProposal(proposed).spec;
    const { envelope } = content;
    const hash = checkDigest(content.hash, 'spec.content.hash');
    const payload = decodeTwice(envelope.payload, `${ENVELOPE}.payload`).bytes;

    const signed = envelope.signatures.map((s, i) => {
      const at = `${ENVELOPE}.signatures[${i}]`;
      const sig = decodeTwice(s.sig, `${at}.sig`);
      const pem = decodeBase64Field(s.publicKey, `${at}.publicKey`);
      const key = parseVerifierKey(pem, `${at}.publicKey`);
      // The leaf keeps this PEM exactly as submitted, as Rekor does (sigstore/rekor#1170:
      // sigstore-js sends certificates without the final newline, and public-good stores them so).
      const signature: EnvelopeSignature = { bytes: sig.bytes, field: `${at}.sig` };
      const verifier: EnvelopeVerifier = { key, field: `${at}.publicKey` };
      return { keyid: s.keyid ?? '', sigOuter: sig.outer, pem, signature, verifier };
    });
    matchSignatures(
      pae(envelope.payloadType, payload),
      signed.map((s) => s.signature),
      signed.map((s) => s.verifier),
    );

    const payloadHash = sha256(payload).toString('hex');
    if (content.payloadHash !== undefined && checkDigest(content.payloadHash, 'spec.content.payloadHash') !== payloadHash) {
      throw invalid('spec.content.payloadHash.value is not the SHA-256 of the envelope payload');
    }

    const canonical = canonicalJsonBytes({
      apiVersion: API_VERSION,
      kind: KIND,
      spec: {
        content: {
          envelope: {
            payloadType: envelope.payloadType,
            signatures: signed.map((s) => ({
              ...(s.keyid === '' ? {} : { keyid: s.keyid }),
              publicKey: s.pem.toString('base64'),
              sig: s.sigOuter.toString('base64'),
            })),
          },
          hash: { algorithm: 'sha256', value: hash },
          payloadHash: { algorithm: 'sha256', value: payloadHash },
        },
      },
    });
    const indexKeys = uniqueKeys([
      ...signed.flatMap((s) => [`sha256:${sha256(Buffer.from(s.verifier.key.canonicalPem, 'latin1')).toString('hex')}`, ...s.verifier.key.subjects]),
      `sha256:${payloadHash}`,
      ...inTotoDigestKeys(envelope.payloadType, payload),
    ]);
    return { kind: KIND, apiVersion: API_VERSION, canonical, indexKeys };
  });
}

export const intotoV002: EntryKind = { kind: KIND, apiVersion: API_VERSION, admit };
