import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { exportJsonLines } from '../../programme/export';
import { route, type AnyRoute } from '../route';
import { streamLines } from '../stream';

/** The whole programme in the import format, for a copy elsewhere or an audit (admin). */
export function exportRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/export',
      summary: 'Every workshop, office and event as JSON Lines in the import format, in history order, from one snapshot (streamed)',
      tag: 'import',
      access: 'admin',
      query: z.object({ format: z.literal('jsonl').default('jsonl') }),
      produces: 'text',
      responses: { 200: { description: 'application/x-ndjson: POST it to /api/import (or `cli import`) on an empty database to rebuild the same programme' } },
      handler: async ({ res, actor }) => {
        await runtime.accounts.audit(runtime.engine.clock.now().toISOString(), actor, 'export', 'programme', {});
        await streamLines(res, exportJsonLines(runtime.storage.exports), 'application/x-ndjson; charset=utf-8', 'onboarding-export.jsonl');
      },
    }),
  ];
}
