export { errorHandler, notFound, sendError, REDACT_PATHS, type ErrorBody, type ErrorHandlerOptions } from './errors.js';
