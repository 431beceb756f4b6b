import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SigilError, type SigilErrorCode } from '@sigil/core';
import type { AdmittedLeaf } from './sequencer.js';

/** Verifies proposed entries (parse, schema, signature, canonical form) before sequencing. */
export interface Admission {
  admit(raw: string): Promise<AdmittedLeaf>;
  close(): Promise<void>;
}

/** Admission on the calling thread (entry kinds load on first use, not at start-up). */
export function inlineAdmission(): Admission {
  let admitRaw: ((raw: string) => AdmittedLeaf) | undefined;
  return {
    admit: async (raw) => {
      admitRaw ??= (await import('./admit.js')).admitRaw;
      return admitRaw(raw);
    },
    close: () => Promise.resolve(),
  };
}

export type WorkerReply =
  | { id: number; ok: true; canonical: ArrayBuffer; leafHash: ArrayBuffer; indexKeys: string[] }
  | { id: number; ok: false; code: SigilErrorCode | undefined; message: string };

/**
 * Admission on worker threads: signature checks are the CPU-heavy part of an append, and
 * the main thread is busy with HTTP and the sequencer. Requests go to the least-loaded worker.
 * A worker that stops (a crash, running out of memory) fails only the proposals it held and
 * is replaced; one that never answered is not (its code cannot load), and once none is
 * left every proposal is refused at once with a 503 instead of waiting forever.
 */
export function workerAdmission(count = Math.max(1, availableParallelism() - 1), url = new URL('./admission-worker.js', import.meta.url)): Admission {
  interface Slot {
    worker: Worker;
    waiting: Map<number, { resolve: (l: AdmittedLeaf) => void; reject: (e: Error) => void }>;
    answered: boolean;
  }
  let next = 1;
  let closing = false;
  const slots: Slot[] = [];

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(url), waiting: new Map(), answered: false };
    slot.worker.on('message', (m: WorkerReply) => {
      slot.answered = true;
      const p = slot.waiting.get(m.id);
      if (!p) return;
      slot.waiting.delete(m.id);
      if (slot.waiting.size === 0) slot.worker.unref();
      if (m.ok) {
        p.resolve({ canonical: Buffer.from(m.canonical), leafHash: Buffer.from(m.leafHash), indexKeys: m.indexKeys });
      } else {
        p.reject(m.code ? new SigilError(m.code, m.message) : new SigilError('ERR_ENTRY_INVALID', m.message));
      }
    });
    // 'error' is always followed by 'exit'; only the exit matters here.
    slot.worker.on('error', () => undefined);
    slot.worker.on('exit', () => {
      const at = slots.indexOf(slot);
      if (at >= 0) slots.splice(at, 1);
      const err = new SigilError('ERR_LOG_UNAVAILABLE', 'entry verification stopped before answering; retry shortly');
      for (const p of slot.waiting.values()) p.reject(err);
      slot.waiting.clear();
      if (!closing && slot.answered) slots.push(spawn());
    });
    slot.worker.unref();
    return slot;
  };
  for (let i = 0; i < count; i++) slots.push(spawn());

  return {
    admit(raw: string): Promise<AdmittedLeaf> {
      let best = slots[0];
      if (!best) return Promise.reject(new SigilError('ERR_LOG_UNAVAILABLE', 'entry verification is not available; the log cannot accept entries'));
      for (const s of slots) if (s.waiting.size < best.waiting.size) best = s;
      const slot = best;
      return new Promise((resolve, reject) => {
        const id = next++;
        // An idle worker does not keep the process alive; one with work to answer does.
        if (slot.waiting.size === 0) slot.worker.ref();
        slot.waiting.set(id, { resolve, reject });
        slot.worker.postMessage({ id, raw });
      });
    },
    async close(): Promise<void> {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
