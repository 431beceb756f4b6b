import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SigilError, hashLeaf, isSigilError, type SigilErrorCode } from '@sigil/core';
import { admitEntry } from './kinds/registry.js';
import type { AdmittedLeaf } from './sequencer.js';

/** Verifies proposed entries (parse, schema, signature, canonical form) before sequencing. */
export interface Admission {
  admit(raw: string): Promise<AdmittedLeaf>;
  close(): Promise<void>;
}

/** Parse and admit one proposed entry body. Pure: safe to run in a worker. */
export function admitRaw(raw: string): AdmittedLeaf {
  let proposed: unknown;
  try {
    proposed = JSON.parse(raw);
  } catch {
    throw new SigilError('ERR_BAD_REQUEST', 'request body is not valid JSON');
  }
  const admitted = admitEntry(proposed);
  return { canonical: admitted.canonical, leafHash: hashLeaf(admitted.canonical), indexKeys: admitted.indexKeys };
}

export function inlineAdmission(): Admission {
  return {
    admit: (raw) => {
      try {
        return Promise.resolve(admitRaw(raw));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    close: () => Promise.resolve(),
  };
}

type WorkerReply =
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

export function errorReply(id: number, err: unknown): WorkerReply {
  if (isSigilError(err)) return { id, ok: false, code: err.code, message: err.message };
  return { id, ok: false, code: 'ERR_ENTRY_INVALID', message: 'entry could not be parsed' };
}
