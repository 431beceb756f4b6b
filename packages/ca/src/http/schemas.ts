/**
 * `CreateSigningCertificateRequest` as proto3 JSON. Fulcio's gateway also accepts the
 * proto field names (snake_case); both spellings are listed, anything else is refused.
 */
const token = { type: 'string', maxLength: 16 * 1024 } as const;
const credentials = {
  type: 'object',
  properties: { oidcIdentityToken: token, oidc_identity_token: token },
  additionalProperties: false,
} as const;
const algorithm = { anyOf: [{ type: 'string', enum: ['PUBLIC_KEY_ALGORITHM_UNSPECIFIED', 'RSA_PSS', 'ECDSA', 'ED25519'] }, { type: 'integer', minimum: 0, maximum: 3 }] } as const;
const publicKey = {
  type: 'object',
  properties: { algorithm, content: { type: 'string', maxLength: 32 * 1024 } },
  additionalProperties: false,
} as const;
const proof = { type: 'string', maxLength: 4096 } as const;
const publicKeyRequest = {
  type: 'object',
  properties: { publicKey, public_key: publicKey, proofOfPossession: proof, proof_of_possession: proof },
  additionalProperties: false,
} as const;
const csr = { type: 'string', maxLength: 24 * 1024 } as const;

export const signingCertBody = {
  type: 'object',
  properties: {
    credentials,
    publicKeyRequest,
    public_key_request: publicKeyRequest,
    certificateSigningRequest: csr,
    certificate_signing_request: csr,
  },
  additionalProperties: false,
} as const;
