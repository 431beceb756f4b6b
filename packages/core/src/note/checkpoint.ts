import { SigilError } from '../errors.js';
import { decodeBase64, encodeBase64, isBase64 } from '../encoding/base64.js';

/** C2SP tlog-checkpoint body. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** Opaque extension lines, each non-empty (Rekor v1 writes a "Timestamp: …" line here). */
  extensions: string[];
}

const MAX_EXTENSIONS = 64;

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new SigilError('ERR_CHECKPOINT', 'checkpoint must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!origin) throw new SigilError('ERR_CHECKPOINT', 'checkpoint has no origin');
  if (sizeLine === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(sizeLine)) throw new SigilError('ERR_CHECKPOINT', 'checkpoint size is not a decimal number');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new SigilError('ERR_CHECKPOINT', 'checkpoint size is too large');
  if (rootLine === undefined) throw new SigilError('ERR_CHECKPOINT', 'checkpoint has no root hash');
  if (!isBase64(rootLine)) throw new SigilError('ERR_CHECKPOINT', 'checkpoint root hash is not valid base64');
  const rootHash = decodeBase64(rootLine, 'checkpoint root hash');
  if (rootHash.length !== 32) throw new SigilError('ERR_CHECKPOINT', 'checkpoint root hash is not 32 bytes');
  if (extensions.length > MAX_EXTENSIONS || extensions.some((l) => l.length === 0)) throw new SigilError('ERR_CHECKPOINT', 'malformed checkpoint extension lines');
  return { origin, size, rootHash, extensions };
}

export function formatCheckpoint(c: Checkpoint): string {
  if (c.origin.includes('\n') || c.extensions.some((l) => l.length === 0 || l.includes('\n'))) {
    throw new SigilError('ERR_CHECKPOINT', 'checkpoint lines must be non-empty and single-line');
  }
  return [c.origin, String(c.size), encodeBase64(c.rootHash), ...c.extensions].join('\n') + '\n';
}
