import { z } from 'zod';
import { eventPayloads, officeEventTypes, parseOfficeEvent } from '../../machines/events';
import { newOfficeSchema, countryCode } from '../../engine/office-input';
import { getOfficeView, listOfficeViews, officeStats, officeView } from '../../engine/queries';
import type { Runtime } from '../../app/runtime';
import { FIGURE_NAMES } from '../../engine/figures';
import { HttpError } from '../errors';
import { GroupCommit } from '../../engine/group-commit';
import { officeNotFound } from '../../engine/errors';
import { flag } from '../input';
import { idParams, route, type AnyRoute } from '../route';
import { allStates } from '../../machines/describe';
import { formatParam, wantsCsv } from '../csv';
import { sendOfficesCsv } from '../csv-lists';
import { etagHeaders, IF_MATCH_PATTERN, ifMatchHeaders, officeHistorySchema, officeListSchema, officeDetailSchema, officeStatsSchema, officeViewSchema } from './schemas';

const stateNames = allStates().map((s) => s.path);
const stageNames = allStates()
  .filter((s) => !s.path.includes('.'))
  .map((s) => s.path);

export const listQuery = z.object({
  stage: z.enum(stageNames as [string, ...string[]]).optional(),
  state: z.enum(stateNames as [string, ...string[]]).optional(),
  country: countryCode.optional(),
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  /** `true`: only offices past an SLA deadline (see GET /api/stuck). */
  stalled: flag.optional(),
  format: formatParam,
  /** Only the offices a headline figure of GET /api/stats counts. */
  figure: z.enum(FIGURE_NAMES).optional(),
});

/**
 * `{type, ...payload}`. The handler validates it with `parseOfficeEvent` (so an unknown type gets its
 * own message); the OpenAPI document shows it as one of the payload schemas of `machines/events.ts`.
 */
const eventBody = z.looseObject({ type: z.string() }).meta({
  oneOf: officeEventTypes.map((type) => {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(eventPayloads[type].extend({ type: z.literal(type) }), { io: 'input' });
    return schema;
  }),
});

/** `If-Match: 3`, `"3"` or `W/"3"`: the office version the client last saw. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = IF_MATCH_PATTERN.exec(header);
  if (!match) {
    throw new HttpError(400, 'invalid_if_match', 'If-Match must be the office version, e.g. If-Match: "3".', { header });
  }
  return Number(match[1]);
}

export const etagOf = (version: number) => `"${version}"`;

export function officeRoutes(runtime: Runtime): AnyRoute[] {
  const { engine, store } = runtime;
  const commits = new GroupCommit(engine);
  const reminders = runtime.reminders.reminders;
  return [
    route({
      method: 'post',
      path: '/api/offices',
      summary: 'Register an office',
      tag: 'offices',
      access: 'coordinator',
      body: newOfficeSchema,
      responses: { 201: { description: 'The registered office', schema: officeViewSchema, headers: etagHeaders } },
      handler: async ({ body, res, actor }) => {
        const view = await commits.run(async () => await officeView(await engine.register(body, { actor }), reminders));
        res.status(201).setHeader('ETag', etagOf(view.version));
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/api/offices',
      summary: 'List offices, filtered by stage, state, country or text',
      tag: 'offices',
      access: 'viewer',
      query: listQuery,
      responses: { 200: { description: 'One page of the matching offices', schema: officeListSchema } },
      handler: async ({ query: { stalled, figure, format, ...filter }, req, res }) => {
        const now = engine.clock.now().toISOString();
        const list = await listOfficeViews(
          store,
          { ...filter, stalledAt: stalled ? now : undefined, figure: figure ? { name: figure, at: now } : undefined },
          reminders,
        );
        return wantsCsv(req, format) ? sendOfficesCsv(res, list.offices) : list;
      },
    }),
    route({
      method: 'get',
      path: '/api/offices/:id',
      summary: 'One office with its states and the events it can take',
      tag: 'offices',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: 'The office', schema: officeDetailSchema, headers: etagHeaders } },
      handler: async ({ params, res }) => {
        const view = await getOfficeView(store, params.id, reminders);
        res.setHeader('ETag', etagOf(view.version));
        const contacts = await runtime.mailbox.store.contactsOf(view.id);
        const replies = contacts.flatMap((c) => (c.repliedAt ? [c.repliedAt] : [])).sort();
        return { ...view, mail: { bouncing: contacts.filter((c) => c.bouncingAt).map((c) => c.address), repliedAt: replies.at(-1) ?? null } };
      },
    }),
    route({
      method: 'post',
      path: '/api/offices/:id/events',
      summary: 'Send an event to an office (If-Match: version for optimistic concurrency)',
      tag: 'offices',
      access: 'coordinator',
      params: idParams,
      body: eventBody,
      headers: ifMatchHeaders,
      responses: {
        200: { description: 'The office after the transition', schema: officeViewSchema, headers: etagHeaders },
        409: { description: 'The event is not allowed now; details.allowedEvents lists those that are' },
        412: { description: 'If-Match does not match the current version' },
      },
      handler: async ({ params, body, req, res, actor }) => {
        const parsed = parseOfficeEvent(body);
        if (!parsed.ok) throw new HttpError(400, 'invalid_event', parsed.message, { issues: parsed.issues });
        const expectedVersion = parseIfMatch(req.get('If-Match'));
        const view = await commits.run(async () => {
          const record = await engine.apply(params.id, parsed.event, { actor, expectedVersion });
          return await officeView(record.office, reminders, record);
        });
        res.setHeader('ETag', etagOf(view.version));
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/api/offices/:id/history',
      summary: 'Every transition of an office, oldest first',
      tag: 'offices',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: 'The transitions, oldest first', schema: officeHistorySchema } },
      handler: async ({ params }) => {
        if (!await store.getOffice(params.id)) throw officeNotFound(params.id);
        return {
          events: (await store.history(params.id)).map(({ seq, type, payload, from, to, actor, at, requestId }) => ({
            seq,
            type,
            payload,
            from,
            to,
            actor,
            at,
            requestId: requestId ?? null,
          })),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/stats',
      summary: 'Office counts per stage and per leaf state, in lifecycle order, and the headline figures',
      tag: 'offices',
      access: 'viewer',
      responses: { 200: { description: 'The counts', schema: officeStatsSchema } },
      handler: () => officeStats(store, runtime.storage.figures, engine.clock.now()),
    }),
  ];
}
