export { TransparencyLog, type LogInfo, type LogOptions, type SearchQuery, type ShardInfo } from './log.js';
export { buildApp, type AppOptions } from './http/app.js';
export { serveLog, type RunningLog, type ServeOptions } from './serve.js';
export { DataDir } from './data-dir.js';
export { logTrustedRoot, trustedRootTlogs, type TlogJson, type TrustedRootJson } from './trusted-root.js';
export { generateLogKeyPem, loadLogSigner, type LogKeyType, type LogSigner } from './signer.js';
export type { LogStorage, ShardRecord, StoredEntry, SequencedBatch } from './storage/storage.js';
export { SqliteStorage } from './storage/sqlite.js';
export type { LogEntryJson } from './shard.js';
