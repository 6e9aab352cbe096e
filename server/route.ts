import type { Request, Response, Router } from 'express';
import { z, type ZodObject, type ZodType } from 'zod';
import { nulCharacterAt } from '../engine/input-text';
import { HttpError } from './errors';
import { authorize } from './auth/access';

export type Access = 'public' | 'viewer' | 'coordinator' | 'admin';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  actor: string;
}

export interface ResponseSpec<R = unknown> {
  description: string;
  /**
   * The JSON body. Errors (4xx) need none: they have the shared error shape. A route's 2xx schema
   * types its handler: the handler must return what the schema describes (see `RouteSpec.handler`).
   */
  schema?: ZodType<R>;
  /** Other media types the same status answers with, as text (e.g. `text/markdown` for `?format=md`). */
  text?: readonly string[];
  /** For `produces: 'event-stream'`: the JSON `data` of each Server-Sent Event. */
  events?: ZodType;
  /** Response headers keyed by header name (e.g. `ETag`). */
  headers?: ZodObject;
}

/**
 * One entry of the route table: the single place a route is declared. The router, the OpenAPI
 * document and the access checks are all generated from these.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown, R = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path, e.g. "/api/offices/:id". */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  /**
   * Request headers the handler reads, keyed by header name, for the OpenAPI document only: the
   * handler checks them itself so that its own error codes (e.g. `invalid_if_match`) stand.
   */
  headers?: ZodObject;
  /** A body the handler reads as text (no JSON parser takes it), by media type, for the OpenAPI document. */
  textBody?: { mediaTypes: readonly string[]; description: string };
  /** Response per status, for the OpenAPI document and the handler's return type. */
  responses?: Record<number, ResponseSpec<R>>;
  /**
   * HTML pages, streams and the pages' stylesheet answer themselves; JSON routes return their body.
   * Pages and their stylesheet are for browsers, and `text` answers only in another media type
   * (Prometheus, iCalendar, JSON Lines): the OpenAPI document, all JSON, leaves them out.
   */
  produces?: 'json' | 'html' | 'event-stream' | 'text' | 'css';
  /**
   * Returns the JSON body, or nothing when it answered itself (`res.send`). R comes from the declared
   * response schemas only (NoInfer), so a body that departs from them fails to type-check.
   */
  handler(ctx: RouteContext<P, Q, B>): NoInfer<R> | void | Promise<NoInfer<R> | void>;
}

/** Identity helper that keeps the zod schemas, the handler's argument types and its return type in step. */
export function route<P = unknown, Q = unknown, B = unknown, R = unknown>(spec: RouteSpec<P, Q, B, R>): RouteSpec<P, Q, B, R> {
  return spec;
}

// The table holds routes of many input and output types; each handler only sees its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>;

function validate<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T {
  const nul = nulCharacterAt(value);
  if (nul !== null) {
    const path = nul ? `${where}.${nul}` : where;
    throw new HttpError(400, 'invalid_input', `Invalid ${where}: ${path}: the NUL character (U+0000) is not accepted`, {
      issues: [{ path, message: 'the NUL character (U+0000) is not accepted' }],
    });
  }
  if (!schema) return value as T;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
    throw new HttpError(400, 'invalid_input', `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      issues,
    });
  }
  return parsed.data;
}

export function actorOf(res: Response): string {
  return (res.locals.actor as string | undefined) ?? 'anonymous';
}

/** A request that carries a body no parser took (so `req.body` stayed undefined). */
function hasBody(req: Request): boolean {
  const length = req.get('Content-Length');
  return req.get('Transfer-Encoding') !== undefined || (length !== undefined && length !== '0');
}

export function mountRoutes(router: Router, routes: AnyRoute[]): void {
  for (const spec of routes) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      if (!authorize(spec, req, res)) return;
      const params = validate(spec.params, req.params, 'params');
      const query = validate(spec.query, req.query, 'query');
      if (spec.body && req.body === undefined && hasBody(req)) {
        throw new HttpError(415, 'unsupported_media_type', `Send the request body as application/json, not ${req.get('Content-Type') ?? 'untyped'}.`);
      }
      const body = validate(spec.body, req.body, 'body');
      const result: unknown = await spec.handler({ params, query, body, req, res, actor: actorOf(res) });
      if (!res.headersSent && result !== undefined) res.json(result);
    });
  }
}

export const idParams = z.object({ id: z.string().min(1).max(200) });
