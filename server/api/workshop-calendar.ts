import type { Runtime } from '../../app/runtime';
import { getWorkshop, workshopView } from '../../programme/workshops';
import { rescheduleBody } from '../../programme/workshop-invitations';
import { EngineError } from '../../engine/errors';
import { idParams, route, type AnyRoute } from '../route';
import { workshopSchema } from './programme-schemas';

/** A workshop as a calendar event: the .ics download and the change of dates that sends updates. */
export function workshopCalendarRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/workshops/:id/invitation.ics',
      summary: 'The workshop as an iCalendar event (METHOD:PUBLISH, the same UID and SEQUENCE as the invitations)',
      tag: 'programme',
      access: 'viewer',
      params: idParams,
      produces: 'text',
      responses: { 200: { description: 'text/calendar' } },
      handler: async ({ params, res }) => {
        const w = await runtime.programme.getWorkshop(params.id);
        if (!w) throw new EngineError('not_found', `No workshop with id "${params.id}".`, { id: params.id });
        res
          .status(200)
          .type('text/calendar; charset=utf-8')
          .setHeader('Content-Disposition', `attachment; filename="workshop-${w.id}.ics"`)
          .send(await runtime.invitations.publishIcs(w));
      },
    }),
    route({
      method: 'patch',
      path: '/api/workshops/:id/dates',
      summary: 'Move a planned workshop; every enrolled focal point gets the updated invitation (SEQUENCE + 1)',
      tag: 'programme',
      access: 'coordinator',
      params: idParams,
      body: rescheduleBody,
      responses: { 200: { description: 'The workshop with its new dates', schema: workshopSchema }, 409: { description: 'The workshop is held or cancelled' } },
      handler: async ({ params, body, actor }) => {
        await runtime.engine.transact(async () => {
          await runtime.invitations.reschedule(runtime, params.id, body, { actor });
          await runtime.accounts.audit(runtime.engine.clock.now().toISOString(), actor, 'workshop.reschedule', params.id, { ...body });
        });
        const { enrolments: _e, ...view } = await getWorkshop(runtime, params.id);
        return await workshopView(runtime.programme, view);
      },
    }),
  ];
}
