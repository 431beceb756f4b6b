/** JSON schemas for the request shapes Fastify validates before a handler runs (fail closed). */
const uuid = { type: 'string', pattern: '^([0-9a-fA-F]{16})?[0-9a-fA-F]{64}$' } as const;
const decimal = { type: 'string', pattern: '^[0-9]{1,19}$' } as const;

export const logIndexQuery = {
  type: 'object',
  properties: { logIndex: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
  required: ['logIndex'],
  additionalProperties: false,
} as const;

export const uuidParams = {
  type: 'object',
  properties: { entryUUID: { type: 'string', maxLength: 200 } },
  required: ['entryUUID'],
} as const;

export const retrieveBody = {
  type: 'object',
  properties: {
    entryUUIDs: { type: 'array', items: uuid, maxItems: 10 },
    logIndexes: { type: 'array', items: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, maxItems: 10 },
    entries: { type: 'array', items: { type: 'object' }, maxItems: 10 },
  },
  additionalProperties: false,
} as const;

export const proofQuery = {
  type: 'object',
  properties: {
    firstSize: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 1 },
    lastSize: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    treeID: decimal,
  },
  required: ['lastSize'],
  additionalProperties: false,
} as const;

export const treeIdQuery = {
  type: 'object',
  properties: { treeID: decimal },
  additionalProperties: false,
} as const;

export const searchBody = {
  type: 'object',
  properties: {
    hash: { type: 'string', maxLength: 200 },
    publicKey: {
      type: 'object',
      properties: {
        format: { type: 'string', enum: ['x509', 'pgp', 'minisign', 'ssh', 'tuf'] },
        content: { type: 'string', maxLength: 65536 },
        url: { type: 'string', maxLength: 2048 },
      },
      required: ['format'],
      additionalProperties: false,
    },
    email: { type: 'string', maxLength: 320 },
    subject: { type: 'string', maxLength: 2048 },
    operator: { type: 'string', enum: ['and', 'or'] },
  },
  additionalProperties: false,
} as const;

export const rotateBody = {
  type: 'object',
  properties: { keyPem: { type: 'string', maxLength: 16384 } },
  additionalProperties: false,
} as const;
