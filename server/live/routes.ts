import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { route, type AnyRoute } from '../route';
import { liveMessageSchema } from './schemas';

/** `GET /api/events/stream`: one Server-Sent Event per committed transition. */
export function liveRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/events/stream',
      summary: 'Live transitions as Server-Sent Events: one `transition` event per change, data {office, type, from, to, at, version, actor}',
      tag: 'live',
      access: 'viewer',
      produces: 'event-stream',
      query: z.object({}).loose(),
      responses: { 200: { description: 'text/event-stream; resumes after Last-Event-ID', events: liveMessageSchema } },
      handler: ({ req, res }) => runtime.live.attach(res, req.get('Last-Event-ID')),
    }),
  ];
}
