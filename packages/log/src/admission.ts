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
  | { id: number; ok: true; canonical: Uint8Array; leafHash: Uint8Array; indexKeys: string[] }
  | { id: number; ok: false; code: SigilErrorCode | undefined; message: string };

/**
 * Admission on worker threads: signature checks are the CPU-heavy part of an append, and
 * the main thread is busy with HTTP and the sequencer. Requests go to the least-loaded worker.
 */
export function workerAdmission(count = Math.max(1, availableParallelism() - 1)): Admission {
  const url = new URL('./admission-worker.js', import.meta.url);
  const waiting = new Map<number, { resolve: (l: AdmittedLeaf) => void; reject: (e: Error) => void }>();
  const load: number[] = [];
  let next = 1;
  const workers = Array.from({ length: count }, (_, i) => {
    const w = new Worker(url);
    load[i] = 0;
    w.on('message', (m: WorkerReply) => {
      load[i]!--;
      const p = waiting.get(m.id);
      if (!p) return;
      waiting.delete(m.id);
      if (m.ok) {
        p.resolve({ canonical: Buffer.from(m.canonical.buffer, m.canonical.byteOffset, m.canonical.byteLength), leafHash: Buffer.from(m.leafHash.buffer, m.leafHash.byteOffset, m.leafHash.byteLength), indexKeys: m.indexKeys });
      } else {
        p.reject(m.code ? new SigilError(m.code, m.message) : new SigilError('ERR_ENTRY_INVALID', m.message));
      }
    });
    w.on('error', (err) => {
      for (const [, p] of waiting) p.reject(new SigilError('ERR_INTERNAL', 'entry verification worker failed', { cause: err }));
      waiting.clear();
    });
    w.unref();
    return w;
  });
  return {
    admit(raw: string): Promise<AdmittedLeaf> {
      return new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        let best = 0;
        for (let i = 1; i < workers.length; i++) if (load[i]! < load[best]!) best = i;
        load[best]!++;
        workers[best]!.postMessage({ id, raw });
      });
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
