import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { isValidZone } from '../../engine/business-hours';
import { officeNotFound } from '../../engine/errors';
import { formatParam, wantsCsv } from '../csv';
import { sendStuckCsv } from '../csv-lists';
import { allStates } from '../../machines/describe';
import { OUTBOX_STATUSES, toEmailView } from '../../notifications/outbox';
import { HttpError } from '../errors';
import { idParams, route, type AnyRoute } from '../route';
import { officeEmailsSchema, officeRemindersSchema, outboxPageSchema, reminderSettingsSchema, stalledCountsSchema, stuckListSchema } from './reminder-schemas';
import { boundedDay, boundedInstant } from './schemas';

const stageNames = allStates()
  .filter((s) => !s.path.includes('.'))
  .map((s) => s.path) as [string, ...string[]];

const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};

const pauseBody = z.object({
  until: boundedInstant.or(boundedDay),
  reason: z.string().trim().min(1).max(2000),
});

const settingsBody = z.object({
  timeZone: z
    .string()
    .trim()
    .refine(isValidZone, 'not an IANA time zone (e.g. Europe/Paris)')
    .nullable()
    .optional(),
  coordinatorEmail: z.email().max(320).nullable().optional(),
});

/** Stuck list, outbox, per-office emails and reminders, pauses. */
export function reminderRoutes(runtime: Runtime): AnyRoute[] {
  const { engine } = runtime;
  const feature = runtime.reminders;
  const officeOr404 = async (id: string) => {
    const office = await engine.store.getOffice(id);
    if (!office) throw officeNotFound(id);
    return office;
  };
  const reminderView = async (id: string) => {
    const office = await officeOr404(id);
    return {
      officeId: id,
      ...await feature.reminders.status(office),
      // Fired timers (with their id), then each clock's pending or paused level (id null).
      timers: await feature.reminders.timers(office),
      log: (await feature.store.logOf(id)).map((l) => ({
        at: l.at,
        type: l.type,
        state: l.state,
        level: l.level,
        detail: JSON.parse(l.detail) as unknown,
        actor: l.actor,
      })),
    };
  };

  return [
    route({
      method: 'get',
      path: '/api/stuck',
      summary: 'Stalled offices (past their SLA), each once: stuck (escalated) ones first, then most overdue first; status=stuck for the stuck ones only',
      tag: 'reminders',
      access: 'viewer',
      query: z.object({
        status: z.enum(['stuck']).optional(),
        owner: z.enum(['office', 'wipo']).optional(),
        stage: z.enum(stageNames).optional(),
        ...page,
        format: formatParam,
      }),
      responses: { 200: { description: 'One page of the stalled offices, stuck ones first', schema: stuckListSchema } },
      handler: async ({ query: { format, ...query }, req, res }) => {
        const list = await feature.stuck.listStuck(engine.clock.now(), query);
        return wantsCsv(req, format) ? sendStuckCsv(res, list.rows) : list;
      },
    }),
    route({
      method: 'get',
      path: '/api/stuck/counts',
      summary: 'Stalled and stuck counts per leaf state',
      tag: 'reminders',
      access: 'viewer',
      responses: { 200: { description: 'The counts', schema: stalledCountsSchema } },
      handler: () => feature.stuck.stalledCountsByState(engine.clock.now()),
    }),
    route({
      method: 'get',
      path: '/api/outbox',
      summary: 'Outgoing emails, newest first, by status (pending, sending, sent, failed)',
      tag: 'reminders',
      access: 'viewer',
      query: z.object({ status: z.enum(OUTBOX_STATUSES as [string, ...string[]]).optional(), ...page }),
      responses: { 200: { description: 'One page of the outbox', schema: outboxPageSchema } },
      handler: ({ query }) => feature.outbox.list(query.status as never, query.limit, query.offset),
    }),
    route({
      method: 'get',
      path: '/api/offices/:id/emails',
      summary: 'Every email for an office with its status',
      tag: 'reminders',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: "The office's emails", schema: officeEmailsSchema } },
      handler: async ({ params }) => {
        await officeOr404(params.id);
        return { emails: (await feature.outbox.ofOffice(params.id)).map(toEmailView) };
      },
    }),
    route({
      method: 'get',
      path: '/api/offices/:id/reminders',
      summary: "An office's SLA clocks, next reminder and time left, pause, timers (fired ones, then each pending or paused one, id null) and reminder log",
      tag: 'reminders',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: "The office's reminders", schema: officeRemindersSchema } },
      handler: ({ params }) => reminderView(params.id),
    }),
    route({
      method: 'post',
      path: '/api/offices/:id/reminders/pause',
      summary: "Pause an office's reminders until a date, with a reason (the SLA clock stops meanwhile)",
      tag: 'reminders',
      access: 'coordinator',
      params: idParams,
      body: pauseBody,
      responses: { 200: { description: "The office's reminders, paused", schema: officeRemindersSchema } },
      handler: async ({ params, body, actor }) => {
        const until = new Date(body.until);
        if (Number.isNaN(until.getTime())) throw new HttpError(400, 'invalid_input', 'until is not a valid date.');
        await feature.reminders.pause(params.id, until, body.reason, actor);
        return await reminderView(params.id);
      },
    }),
    route({
      method: 'post',
      path: '/api/offices/:id/reminders/resume',
      summary: "Resume an office's paused reminders now",
      tag: 'reminders',
      access: 'coordinator',
      params: idParams,
      responses: { 200: { description: "The office's reminders, running again", schema: officeRemindersSchema } },
      handler: async ({ params, actor }) => {
        await feature.reminders.resume(params.id, actor);
        return await reminderView(params.id);
      },
    }),
    route({
      method: 'put',
      path: '/api/offices/:id/reminder-settings',
      summary: "Set an office's time zone and responsible coordinator's email (null: back to the default)",
      tag: 'reminders',
      access: 'coordinator',
      params: idParams,
      body: settingsBody,
      responses: { 200: { description: 'The effective settings', schema: reminderSettingsSchema } },
      handler: async ({ params, body }) => {
        await officeOr404(params.id);
        const current = await feature.store.officeSettings(params.id);
        const timeZone = body.timeZone === undefined ? current.time_zone : body.timeZone;
        const coordinatorEmail = body.coordinatorEmail === undefined ? current.coordinator_email : body.coordinatorEmail;
        await engine.transact(() => feature.store.setOfficeSettings(params.id, timeZone, coordinatorEmail));
        return { officeId: params.id, timeZone: await feature.reminders.zoneOf(await officeOr404(params.id)), coordinatorEmail: await feature.reminders.coordinatorOf(params.id) };
      },
    }),
  ];
}
