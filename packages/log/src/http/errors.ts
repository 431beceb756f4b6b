import { errorHandler } from '@sigil/http';

/** The log's error handler: an oversize entry is drained up to 256 MiB, then the connection is dropped. */
export const logErrorHandler = errorHandler({ drainLimit: 256 * 1024 * 1024 });
