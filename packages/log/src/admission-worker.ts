import { parentPort } from 'node:worker_threads';
import { admitRaw, errorReply } from './admit.js';

parentPort?.on('message', ({ id, raw }: { id: number; raw: string }) => {
  try {
    const leaf = admitRaw(raw);
    parentPort?.postMessage({ id, ok: true, canonical: leaf.canonical, leafHash: leaf.leafHash, indexKeys: leaf.indexKeys });
  } catch (err) {
    parentPort?.postMessage(errorReply(id, err));
  }
});
