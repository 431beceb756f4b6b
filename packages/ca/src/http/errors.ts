import { errorHandler } from '@sigil/http';

/** The CA's error handler: refusals are logged at info (why a certificate was refused); bodies are small. */
export const caErrorHandler = errorHandler({ drainLimit: 16 * 1024 * 1024, refusals: 'certificate request refused' });
