import { parentPort } from 'node:worker_threads';
import { admitBatch, errorReply } from './admit.js';

// Proposals that arrive while the worker is busy are admitted together on the next turn,
// so that their signature checks can share work (see admitBatch).
const waiting: Array<{ id: number; raw: string }> = [];
let scheduled = false;

function drain(): void {
  scheduled = false;
  const batch = waiting.splice(0);
  admitBatch(batch.map((m) => m.raw)).forEach((r, i) => {
    const { id } = batch[i]!;
    if ('leaf' in r) parentPort?.postMessage({ id, ok: true, canonical: r.leaf.canonical, leafHash: r.leaf.leafHash, indexKeys: r.leaf.indexKeys });
    else parentPort?.postMessage(errorReply(id, r.error));
  });
}

parentPort?.on('message', (m: { id: number; raw: string }) => {
  waiting.push(m);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});
