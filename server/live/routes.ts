import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { allows } from '../auth/access';
import { principalOf } from '../auth/api';
import { resolvePrincipal } from '../auth/principal';
import { route, type AnyRoute } from '../route';
import { liveMessageSchema } from './schemas';

const ACCESS = 'viewer';

/** `GET /api/events/stream`: one Server-Sent Event per committed transition. */
export function liveRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/events/stream',
      summary: 'Live transitions as Server-Sent Events: one `transition` event per change, data {office, type, from, to, at, version, actor}',
      tag: 'live',
      access: ACCESS,
      produces: 'event-stream',
      query: z.object({}).loose(),
      responses: { 200: { description: 'text/event-stream; resumes after Last-Event-ID; ends when its token or session no longer holds', events: liveMessageSchema } },
      handler: ({ req, res }) => {
        const opener = principalOf(res);
        // A stream outlives the request that authorised it: its credentials are resolved again
        // while it is open, so a revoked token, a disabled user or an ended session stops it.
        const stillAllowed = async () => {
          const now = runtime.engine.clock.now();
          const p = (await resolvePrincipal(req, runtime.accounts, runtime.config.ADMIN_TOKEN, now)).principal;
          return p !== null && p.userId === opener.userId && allows(p.role, ACCESS);
        };
        runtime.live.attach(res, req.get('Last-Event-ID'), stillAllowed);
      },
    }),
  ];
}
