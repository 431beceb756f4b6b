import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { SigilError, TILE_WIDTH, decodeTileIndex } from '@sigil/core';
import type { TransparencyLog, SearchQuery } from '../log.js';
import { DuplicateEntryError } from '../sequencer.js';
import { notFound, sendError } from '@sigil/http';
import { logErrorHandler } from './errors.js';
import { logIndexQuery, proofQuery, retrieveBody, rotateBody, searchBody, treeIdQuery, uuidParams } from './schemas.js';

export interface AppOptions {
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Bearer token for /api/v1/admin/*; admin routes are absent without one. */
  adminToken?: string;
  logger?: FastifyServerOptions['logger'];
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The Rekor v1 REST API, the tiles read API and the admin API, over one log. Not started. */
export async function buildApp(log: TransparencyLog, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logger: opts.logger ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  });
  app.setErrorHandler(logErrorHandler);
  app.setNotFoundHandler(notFound);
  await registerLogRoutes(app, log, opts);
  return app;
}

/**
 * Mount the log's routes on an existing Fastify instance (a one-origin stack mounts the CA
 * and the OIDC provider beside them: their paths do not collide).
 */
export async function registerLogRoutes(app: FastifyInstance, log: TransparencyLog, opts: Pick<AppOptions, 'adminToken'> = {}): Promise<void> {
  // Proposed entries go to admission as raw text: parsing happens where the signature is
  // checked (a worker thread), not twice.
  await app.register((scope, _o, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_req, body, next) => next(null, body));
    scope.post('/api/v1/log/entries', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const location = `${baseOf(req.url)}`;
      try {
        const { id, entry } = await log.addEntry(raw);
        return reply.code(201).header('etag', id).header('location', `${location}/${id}`).type('application/json').send({ [id]: entry });
      } catch (err) {
        if (!(err instanceof DuplicateEntryError)) throw err;
        const id = await log.duplicateId(err);
        void reply.header('location', `${location}/${id}`);
        return sendError(reply, 409, `an equivalent entry already exists in the transparency log with UUID ${id}`, 'ERR_DUPLICATE_ENTRY');
      }
    });
    done();
  });

  app.get('/api/v1/log/entries', { schema: { querystring: logIndexQuery } }, async (req, reply) => {
    const { logIndex } = req.query as { logIndex: number };
    const found = await log.entryByIndex(logIndex);
    if (!found) return sendError(reply, 404, `no entry at log index ${logIndex}`, 'ERR_NOT_FOUND');
    return found;
  });

  app.get('/api/v1/log/entries/:entryUUID', { schema: { params: uuidParams } }, async (req, reply) => {
    const { entryUUID } = req.params as { entryUUID: string };
    const found = await log.entryByUuid(entryUUID);
    if (!found) return sendError(reply, 404, `no entry with UUID ${entryUUID}`, 'ERR_NOT_FOUND');
    return found;
  });

  app.post('/api/v1/log/entries/retrieve', { schema: { body: retrieveBody } }, async (req) => {
    const q = req.body as { entryUUIDs?: string[]; logIndexes?: number[]; entries?: unknown[] };
    const total = (q.entryUUIDs?.length ?? 0) + (q.logIndexes?.length ?? 0) + (q.entries?.length ?? 0);
    if (total > 10) throw new SigilError('ERR_TOO_MANY_ITEMS', 'at most 10 items may be retrieved per request');
    const out: unknown[] = [];
    for (const u of q.entryUUIDs ?? []) {
      const e = await log.entryByUuid(u);
      if (e) out.push(e);
    }
    for (const i of q.logIndexes ?? []) {
      const e = await log.entryByIndex(i);
      if (e) out.push(e);
    }
    for (const proposed of q.entries ?? []) {
      const leaf = await log.admission.admit(JSON.stringify(proposed));
      const e = await log.entryByUuid(leaf.leafHash.toString('hex'));
      if (e) out.push(e);
    }
    return out;
  });

  app.get('/api/v1/log', { schema: { querystring: { type: 'object', properties: { stable: { type: 'boolean' } } } } }, () => log.info());

  app.get('/api/v1/log/proof', { schema: { querystring: proofQuery } }, (req) => {
    const { firstSize, lastSize, treeID } = req.query as { firstSize: number; lastSize: number; treeID?: string };
    return log.consistency(firstSize, lastSize, treeID);
  });

  app.get('/api/v1/log/publicKey', { schema: { querystring: treeIdQuery } }, (req, reply) => {
    const { treeID } = req.query as { treeID?: string };
    return reply.type('application/x-pem-file').send(log.publicKeyPem(treeID));
  });

  app.post('/api/v1/index/retrieve', { schema: { body: searchBody } }, (req) => {
    const q = req.body as SearchQuery & { publicKey?: { url?: string } };
    // Rekor once fetched keys from a caller's URL (GHSA-4c4x-jm2x-pf9j); Sigil never does.
    if (q.publicKey?.url !== undefined) throw new SigilError('ERR_BAD_REQUEST', 'publicKey.url is not supported: send the key itself in publicKey.content');
    return log.search(q);
  });

  registerTiles(app, log);

  app.get('/healthz', (_req, reply) => {
    const halted = log.sequencer.halted;
    return halted ? sendError(reply, 503, halted.message, halted.code) : reply.send({ status: 'ok', treeSize: log.active.record.size });
  });

  if (opts.adminToken) {
    const expected = Buffer.from(`Bearer ${opts.adminToken}`);
    app.post('/api/v1/admin/shards/rotate', { schema: { body: rotateBody } }, async (req) => {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new SigilError('ERR_UNAUTHORIZED', 'admin credential missing or wrong');
      const { keyPem } = (req.body ?? {}) as { keyPem?: string };
      return log.rotate(keyPem === undefined ? {} : { keyPem });
    });
  }
}

function baseOf(url: string): string {
  return (url.split('?')[0] ?? url).replace(/\/+$/, '');
}

/**
 * C2SP tlog-tiles read API per shard under /tiles/<treeID>/: checkpoint, hash tiles and
 * entry bundles. Full tiles never change, so they are served immutable; partial tiles and
 * the checkpoint briefly cacheable.
 */
function registerTiles(app: FastifyInstance, log: TransparencyLog): void {
  const shardOf = (treeId: string) => {
    const s = log.shards.find((x) => x.record.treeId === treeId);
    if (!s) throw new SigilError('ERR_NOT_FOUND', `unknown tree ${treeId}`);
    return s;
  };
  app.get('/tiles/:treeID/checkpoint', (req, reply) => {
    const s = shardOf((req.params as { treeID: string }).treeID);
    const cp = s.record.checkpoint || s.signCheckpoint(0, s.record.root);
    return reply.type('text/plain; charset=utf-8').header('cache-control', s.record.frozen ? 'public, max-age=31536000, immutable' : 'no-cache').send(cp);
  });
  app.get('/tiles/:treeID/tile/*', async (req, reply) => {
    const s = shardOf((req.params as { treeID: string }).treeID);
    const path = (req.params as { '*': string })['*'];
    const m = /^(entries|[0-9]|[1-5][0-9]|6[0-3])\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(path);
    const index = m ? decodeTileIndex(m[2]!) : undefined;
    const partial = m?.[3] === undefined ? undefined : Number(m[3]);
    if (!m || index === undefined || (partial !== undefined && partial >= TILE_WIDTH)) throw new SigilError('ERR_NOT_FOUND', 'no such tile');
    const width = partial ?? TILE_WIDTH;
    const size = s.record.size;
    if (m[1] === 'entries') {
      const from = index * TILE_WIDTH;
      if (from + width > size) throw new SigilError('ERR_NOT_FOUND', 'no such entry bundle');
      const entries = await log.storage.getEntries(s.record.seq, from, from + width);
      const parts: Buffer[] = [];
      for (const e of entries) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(e.body.length);
        parts.push(len, e.body);
      }
      return sendTile(reply, Buffer.concat(parts), partial === undefined || s.record.frozen);
    }
    const level = Number(m[1]);
    const available = Math.floor(size / TILE_WIDTH ** level);
    if (index * TILE_WIDTH + width > available) throw new SigilError('ERR_NOT_FOUND', 'no such tile');
    const [data] = await log.storage.readTiles(s.record.seq, [{ level, index }]);
    if (!data || data.length < width * 32) throw new SigilError('ERR_NOT_FOUND', 'no such tile');
    return sendTile(reply, data.subarray(0, width * 32), partial === undefined || s.record.frozen);
  });
}

function sendTile(reply: import('fastify').FastifyReply, data: Buffer, immutable: boolean) {
  return reply
    .type('application/octet-stream')
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=5')
    .send(data);
}
