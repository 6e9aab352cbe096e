import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { runInRequestContext } from '../engine/request-context';

/** A client's X-Request-Id is kept when it is short and plain (it goes into logs and the history). */
const SANE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** One JSON log line per request with its id; the id is echoed in the X-Request-Id response header. */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const sent = req.headers['x-request-id'];
      const id = typeof sent === 'string' && SANE_ID.test(sent) ? sent : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    // The route as declared (not the raw path) makes lines groupable.
    customProps: (req) => ({ route: (req as { route?: { path?: string } }).route?.path }),
  }) as RequestHandler;
}

/**
 * Runs the rest of the request in its request context, so the history rows it writes carry its id.
 * Mounted just before the router: after the body parsers, whose stream callbacks would drop it.
 */
export const requestContext: RequestHandler = (req, _res, next) => {
  runInRequestContext({ requestId: String(req.id) }, next);
};
