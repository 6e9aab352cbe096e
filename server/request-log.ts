import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { runInRequestContext } from '../engine/request-context';

/** A client's X-Request-Id is kept when it is short and plain (it goes into logs and the history). */
const SANE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** A reply link's path carries its signed token, which acts for the office: logs get the route only. */
const REPLY_LINK = /^\/r\/[^?]*/;

/**
 * The request as a log line shows it. Headers stay out: they carry bearer tokens and session
 * cookies, which a log must not hold, and serializing every header on every request was the
 * larger part of logging's cost.
 */
function requestForLog(req: IncomingMessage & { id?: unknown }): { id: unknown; method: string | undefined; url: string | undefined } {
  return { id: req.id, method: req.method, url: req.url?.replace(REPLY_LINK, '/r/…') };
}

/** One JSON log line per request with its id; the id is echoed in the X-Request-Id response header. */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    // Our serializers see the raw request and response; the standard ones would first copy every header.
    wrapSerializers: false,
    serializers: {
      req: requestForLog,
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
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
