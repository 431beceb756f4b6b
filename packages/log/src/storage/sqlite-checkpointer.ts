import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * Copies committed WAL frames into the database file from its own thread and connection, so
 * that commits on the writer's thread rarely have to: SQLite checkpoints inside the COMMIT
 * that crosses wal_autocheckpoint, stalling every request behind it. PASSIVE never blocks
 * the writer, but the checkpoint's fsync of the database file still delays the commits'
 * own fsyncs on the same disk, for about as long as the checkpoint takes. So the pace
 * adapts: a round that took longer than TARGET_MS halves the interval (smaller rounds), a
 * quick one lengthens it (fewer fsyncs). On a small tree pages coalesce and rounds are
 * cheap; on a large one the copies scatter over the file and rounds come more often.
 * The writer keeps a large autocheckpoint of its own as the backstop that bounds the WAL.
 */
const TARGET_MS = 30;
const MIN_INTERVAL_MS = 25;
const MAX_INTERVAL_MS = 250;

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 0');

let interval = intervalMs;
let timer: NodeJS.Timeout | undefined;

function round(): void {
  const start = performance.now();
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // SQLITE_BUSY while another checkpoint runs: next round.
  }
  const took = performance.now() - start;
  if (took > TARGET_MS) interval = Math.max(MIN_INTERVAL_MS, interval / 2);
  else if (took < TARGET_MS / 3) interval = Math.min(MAX_INTERVAL_MS, interval * 1.25);
  timer = setTimeout(round, interval);
}
timer = setTimeout(round, interval);

parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort?.postMessage('stopped');
});
