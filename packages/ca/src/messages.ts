import { SigilError, type SigilErrorCode } from '@sigil/core';

/** Fulcio's client-facing messages (`pkg/server/error.go`); Sigil appends the specific reason. */
export const FULCIO_MESSAGES = {
  invalidIdentityToken: 'There was an error processing the identity token',
  invalidSignature: 'The signature supplied in the request could not be verified',
  invalidPublicKey: 'The public key supplied in the request could not be parsed',
  insecurePublicKey: 'The public key supplied in the request is insecure',
  invalidCSR: 'The certificate signing request could not be parsed',
  genericCAError: 'error communicating with CA backend',
} as const;

export function rejected(code: SigilErrorCode, message: keyof typeof FULCIO_MESSAGES, reason: string, cause?: unknown): SigilError {
  return new SigilError(code, `${FULCIO_MESSAGES[message]}: ${reason}`, cause === undefined ? undefined : { cause });
}

/** A token (or the identity in it) that cannot be used: 400, Fulcio's identity-token message plus why. */
export function tokenRejected(reason: string): SigilError {
  return rejected('ERR_TOKEN_INVALID', 'invalidIdentityToken', reason);
}

/** Attacker-chosen text quoted in a message: bounded, and with control characters escaped. */
export function quote(value: string, max = 200): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
