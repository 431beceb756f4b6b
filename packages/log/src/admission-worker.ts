import { parentPort } from 'node:worker_threads';
import { admitEach, errorReply } from './admit.js';

// Proposals that arrive while the worker is busy are admitted together on the next turn,
// so that their signature checks can share work (see admitEach).
const waiting: Array<{ id: number; raw: string }> = [];
let scheduled = false;

function exact(b: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(b.byteLength);
  new Uint8Array(copy).set(b);
  return copy;
}

function drain(): void {
  scheduled = false;
  const batch = waiting.splice(0);
  let i = 0;
  // Each answer goes out as soon as it is known: the first proposal of a batch of 30 need
  // not wait ~4 ms for the other 29 signatures to be checked.
  for (const r of admitEach(batch.map((m) => m.raw))) {
    const { id } = batch[i++]!;
    if ('leaf' in r) {
      // Posting a Buffer copies its whole backing ArrayBuffer, and a small Buffer is a view
      // into an 8 KiB pool slab: the main thread would receive (and keep alive, as long as
      // the entry is cached) 8 KiB per entry. Copy the bytes out once and transfer them.
      const canonical = exact(r.leaf.canonical);
      const leafHash = exact(r.leaf.leafHash);
      parentPort?.postMessage({ id, ok: true, canonical, leafHash, indexKeys: r.leaf.indexKeys }, [canonical, leafHash]);
    } else {
      parentPort?.postMessage(errorReply(id, r.error));
    }
  }
}

parentPort?.on('message', (m: { id: number; raw: string }) => {
  waiting.push(m);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});
