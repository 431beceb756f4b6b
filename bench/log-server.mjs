// Child process for bench/log.bench.mjs: serve one Sigil log and print where it listens.
//
//   node bench/log-server.mjs <dataDir> <verifyWorkers> [publicUrl]
//
// Prints one JSON line on stdout once the server accepts requests:
//   {"url":"http://127.0.0.1:PORT","pid":…,"treeSize":…,"openMs":…,"sinceStartMs":…}
// where openMs is serveLog() alone and sinceStartMs is time since this process started
// (Node boot + module loading + serveLog). SIGTERM closes it cleanly (drains the sequencer).
import { serveLog } from '@sigil/log';

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
// If the bench dies, don't outlive it.
process.on('disconnect', stop);
