// Child process for bench/log.bench.mjs: serve one Sigil log and print where it listens.
//
//   node bench/log-server.mjs <dataDir> <verifyWorkers> [publicUrl]
//
// Prints one JSON line on stdout once the server accepts requests:
//   {"url":"http://127.0.0.1:PORT","pid":…,"treeSize":…,"openMs":…,"sinceStartMs":…}
// where openMs is serveLog() alone and sinceStartMs is time since this process started
// (Node boot + module loading + serveLog). SIGTERM closes it cleanly (drains the sequencer).
//
// With SIGIL_BENCH_TRACE=1 it also times every durable commit (by wrapping
// SqliteStorage.prototype.appendBatch from outside; the log itself is unchanged) and, on
// SIGTERM, prints one JSON line on stderr: {"trace":{batches, entries, commitMs…}}; the IPC
// message 'trace' gets the same object back (since the last ask) without stopping.

import { SqliteStorage, serveLog } from '@sigil/log';

const trace = process.env.SIGIL_BENCH_TRACE ? { batches: 0, entries: 0, commitMs: 0, maxBatch: 0, maxCommitMs: 0 } : undefined;
if (trace) {
  const inner = SqliteStorage.prototype.appendBatch;
  SqliteStorage.prototype.appendBatch = function traced(seq, batch) {
    const t = performance.now();
    const done = inner.call(this, seq, batch);
    // The transaction runs inside the call; the WAL's fdatasync then runs on libuv's pool:
    // this is the time a commit holds the event loop, not the time until it is durable.
    const ms = performance.now() - t;
    trace.batches++;
    trace.entries += batch.entries.length;
    trace.commitMs += ms;
    trace.maxBatch = Math.max(trace.maxBatch, batch.entries.length);
    trace.maxCommitMs = Math.max(trace.maxCommitMs, ms);
    return done;
  };
}

const [dataDir, workers = '1', publicUrl = 'http://sigil.bench'] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: node bench/log-server.mjs <dataDir> <verifyWorkers> [publicUrl]\n');
  process.exit(2);
}

const t0 = performance.now();
const running = await serveLog({ dataDir, port: 0, publicUrl, verifyWorkers: Number(workers), logLevel: 'error' });
const openMs = performance.now() - t0;
process.stdout.write(
  JSON.stringify({ url: running.url, pid: process.pid, treeSize: running.log.active.record.size, openMs, sinceStartMs: performance.now() }) + '\n',
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  if (trace) process.stderr.write(JSON.stringify({ trace }) + '\n');
  running.close().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`log-server: error while stopping: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The bench may keep one server up across several runs: 'trace' answers with the commits
// traced since the last ask, and starts counting afresh.
process.on('message', (m) => {
  if (m !== 'trace' || !trace) return;
  process.send?.({ trace: { ...trace } });
  Object.assign(trace, { batches: 0, entries: 0, commitMs: 0, maxBatch: 0, maxCommitMs: 0 });
});
// If the bench dies, don't outlive it.
process.on('disconnect', stop);
