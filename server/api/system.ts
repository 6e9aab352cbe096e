import express from 'express';
import { describeMachine } from '../../machines/describe';
import { importJsonLines } from '../../engine/import';
import type { Runtime } from '../../app/runtime';
import { HttpError } from '../errors';
import { route, type AnyRoute } from '../route';
import { importResultSchema } from './schemas';
import { healthSchema, machineDescriptionSchema, readinessSchema } from './system-schemas';

/** Content types the import takes as JSON Lines text. */
const JSON_LINES_MEDIA_TYPES = ['application/x-ndjson', 'application/jsonl', 'text/plain'];

export function systemRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/machine',
      summary: 'The office lifecycle machine: every state with its meta, transitions and event payloads',
      tag: 'machine',
      access: 'viewer',
      responses: { 200: { description: 'The chart as JSON', schema: machineDescriptionSchema } },
      // Each state's meta shows the effective reminder policy (defaults merged with config/policies.json).
      handler: () => describeMachine(runtime.reminders.policies),
    }),
    route({
      method: 'post',
      path: '/api/import',
      summary: 'Import JSON Lines (offices and events) in one transaction; any bad line imports nothing',
      tag: 'import',
      access: 'admin',
      textBody: {
        mediaTypes: JSON_LINES_MEDIA_TYPES,
        description:
          'JSON Lines: one object per line, {"kind":"office", the POST /api/offices fields, "at"?} or {"kind":"event", "office", "type", "at", the event payload}, or a further kind such as "workshop". Blank lines are skipped; an empty file is refused.',
      },
      responses: {
        200: { description: 'Counts of what was imported', schema: importResultSchema },
        400: { description: 'Bad lines, by line number (details.errors)' },
      },
      handler: async ({ req, actor }) => {
        if (req.body !== undefined && typeof req.body !== 'string') {
          throw new HttpError(415, 'unsupported_media_type', 'Send the import as JSON Lines: Content-Type: application/x-ndjson.');
        }
        const text = typeof req.body === 'string' ? req.body : '';
        const result = await importJsonLines(runtime.engine, text, actor, runtime.importKinds);
        await runtime.accounts.audit(runtime.engine.clock.now().toISOString(), actor, 'import', 'offices and events', { ...result });
        return result;
      },
    }),
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the database answers',
      tag: 'system',
      access: 'public',
      responses: { 200: { description: 'The database answers', schema: healthSchema } },
      handler: async () => {
        await databaseAnswers(runtime);
        return { status: 'ok' as const, backend: runtime.health.backend };
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database answers and every migration is applied',
      tag: 'system',
      access: 'public',
      responses: { 200: { description: 'Ready to take traffic', schema: readinessSchema } },
      handler: async () => {
        await databaseAnswers(runtime);
        const pending = await runtime.health.pendingMigrations();
        if (pending.length > 0) {
          throw new HttpError(503, 'migrations_pending', `${pending.length} migration(s) not yet applied.`, { pending });
        }
        return { status: 'ready' as const, backend: runtime.health.backend };
      },
    }),
  ];
}

/** A 503 that says so, rather than a 500, when the database does not answer. */
async function databaseAnswers(runtime: Runtime): Promise<void> {
  try {
    await runtime.health.ping();
  } catch (error) {
    throw new HttpError(503, 'database_unavailable', `The ${runtime.health.backend} database does not answer: ${(error as Error).message}`);
  }
}

/** The import endpoint reads the raw JSON Lines text. */
export const importBodyParser = (limit: string) => express.text({ type: JSON_LINES_MEDIA_TYPES, limit });
