import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { EngineError, type EngineErrorCode } from '../engine/errors';

/** An error with its HTTP status; what every handler throws for a client mistake. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const statusOf: Record<EngineErrorCode, number> = {
  invalid_input: 400,
  import_invalid: 400,
  office_not_found: 404,
  not_found: 404,
  office_exists: 409,
  event_not_allowed: 409,
  conflict: 409,
  version_mismatch: 412,
};

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, details } };
}

/** Maps what body-parser, the engine and SQLite throw to the `{"error":{...}}` shape. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof EngineError) return new HttpError(statusOf[error.code], error.code, error.message, error.details);
  const e = error as { type?: string; status?: number; code?: string; message?: string };
  if (e.type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  if (e.type === 'entity.too.large') return new HttpError(413, 'body_too_large', 'The request body is too large.');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new HttpError(415, 'unsupported_encoding', e.message ?? 'Unsupported body encoding.');
  }
  if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') {
    return new HttpError(503, 'database_busy', 'The database is busy; try again shortly.', { retryable: true });
  }
  if (e.code === 'SQLITE_FULL') return new HttpError(507, 'storage_full', 'The database disk is full; nothing was saved.');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'bad_request', e.message ?? 'Bad request.');
  }
  return new HttpError(500, 'internal_error', 'Internal error.');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const http = toHttpError(error);
    if (http.status >= 500) logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    // A busy database clears within the busy timeout or so: tell clients when to come back.
    if (http.status === 503) res.setHeader('Retry-After', '1');
    res.status(http.status).json(errorBody(http.code, http.message, http.details));
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('route_not_found', `No route for ${req.method} ${req.path}.`));
};
