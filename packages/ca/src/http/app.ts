import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CertificateAuthority, SigningCertificateRequest } from '../authority.js';
import { notFound, REDACT_PATHS } from '@sigil/http';
import { caErrorHandler } from './errors.js';
import { signingCertBody } from './schemas.js';

export interface CaAppOptions {
  /** Largest signingCert body accepted, in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Fastify logger options; the token-bearing paths are always redacted. */
  logger?: FastifyServerOptions['logger'];
}

export const DEFAULT_CA_BODY_LIMIT = 64 * 1024;

/**
 * Fulcio's v2 REST API as an encapsulated plugin, so it can sit beside the log's routes on
 * one Fastify instance (paths do not collide): POST /api/v2/signingCert,
 * GET /api/v2/trustBundle, GET /api/v2/configuration.
 */
export async function registerCaRoutes(app: FastifyInstance, ca: CertificateAuthority, opts: Pick<CaAppOptions, 'bodyLimit'> = {}): Promise<void> {
  await app.register((scope, _o, done) => {
    scope.setErrorHandler(caErrorHandler);

    // The answer is the embedded-SCT form, which sigstore-js and cosign read; it carries no
    // SCT yet (no CT log), so verifiers must be configured with a CT threshold of 0.
    scope.post('/api/v2/signingCert', { bodyLimit: opts.bodyLimit ?? DEFAULT_CA_BODY_LIMIT, schema: { body: signingCertBody } }, async (req, reply) => {
      const issued = await ca.issue(normalizeRequest(req.body), bearerOf(req.headers.authorization));
      return reply.code(200).send({ signedCertificateEmbeddedSct: { chain: { certificates: issued.certificates } } });
    });

    scope.get('/api/v2/trustBundle', () => ({ chains: [{ certificates: ca.chainPem }] }));

    scope.get('/api/v2/configuration', () => ca.registry.toConfiguration());
    done();
  });
}

/** The CA alone: its routes, JSON 404s and a health check. Not started. */
export async function buildCaApp(ca: CertificateAuthority, opts: CaAppOptions = {}): Promise<FastifyInstance> {
  const logger = typeof opts.logger === 'object' && opts.logger !== null
    ? { redact: { paths: REDACT_PATHS, censor: '[redacted]' }, ...opts.logger }
    : (opts.logger ?? false);
  const app = Fastify({
    logger,
    bodyLimit: opts.bodyLimit ?? DEFAULT_CA_BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
  });
  app.setErrorHandler(caErrorHandler);
  app.setNotFoundHandler(notFound);
  app.get('/healthz', async () => {
    await ca.health();
    return { status: 'ok' };
  });
  await registerCaRoutes(app, ca, opts);
  return app;
}

type Json = Record<string, unknown>;

/** Accept the proto field names too (the schema has already refused anything unknown or mistyped). */
function normalizeRequest(body: unknown): SigningCertificateRequest {
  const pick = <T>(o: Json | undefined, camel: string, snake: string): T | undefined => (o?.[camel] ?? o?.[snake]) as T | undefined;
  const b = (body ?? {}) as Json;
  const out: SigningCertificateRequest = {};
  const token = pick<string>(b.credentials as Json | undefined, 'oidcIdentityToken', 'oidc_identity_token');
  if (token !== undefined) out.credentials = { oidcIdentityToken: token };
  const pkr = pick<Json>(b, 'publicKeyRequest', 'public_key_request');
  if (pkr) {
    const publicKey = pick<{ content?: string }>(pkr, 'publicKey', 'public_key');
    const proof = pick<string>(pkr, 'proofOfPossession', 'proof_of_possession');
    out.publicKeyRequest = { ...(publicKey ? { publicKey } : {}), ...(proof !== undefined ? { proofOfPossession: proof } : {}) };
  }
  const csr = pick<string>(b, 'certificateSigningRequest', 'certificate_signing_request');
  if (csr !== undefined) out.certificateSigningRequest = csr;
  return out;
}

/** `Authorization: Bearer <jwt>` (Fulcio's gateway puts it in the `oidcidentitytoken` metadata). */
function bearerOf(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
