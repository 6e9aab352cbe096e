import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { officeNotFound } from '../../engine/errors';
import { openApiComponents } from '../openapi';
import { idParams, route, type AnyRoute } from '../route';

export const noteBody = z.object({ text: z.string().trim().min(1).max(2000) });
const noteSchema = z
  .strictObject({ id: z.number().int().positive(), officeId: z.string(), at: z.string(), actor: z.string(), text: z.string() })
  .register(openApiComponents, { id: 'OfficeNote' });
const noteListSchema = z.strictObject({ notes: z.array(noteSchema) }).register(openApiComponents, { id: 'OfficeNotes' });

/** Coordinators' notes on an office: kept beside its history, shown in its timeline; they change no state. */
export function noteRoutes(runtime: Runtime): AnyRoute[] {
  const notes = runtime.storage.notes;
  return [
    route({
      method: 'post',
      path: '/api/offices/:id/notes',
      summary: 'Add a note to an office',
      tag: 'offices',
      access: 'coordinator',
      params: idParams,
      body: noteBody,
      responses: { 201: { description: 'The note', schema: noteSchema } },
      handler: async ({ params, body, res, actor }) => {
        if (!await runtime.store.getOffice(params.id)) throw officeNotFound(params.id);
        res.status(201);
        return await notes.add(params.id, body.text, actor, runtime.engine.clock.now().toISOString());
      },
    }),
    route({
      method: 'get',
      path: '/api/offices/:id/notes',
      summary: "An office's notes, oldest first",
      tag: 'offices',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: 'The notes', schema: noteListSchema } },
      handler: async ({ params }) => {
        if (!await runtime.store.getOffice(params.id)) throw officeNotFound(params.id);
        return { notes: await notes.ofOffice(params.id) };
      },
    }),
  ];
}
