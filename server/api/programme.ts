import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { officeNotFound } from '../../engine/errors';
import { eventPayloads } from '../../machines/events';
import { broadcastView, listBroadcasts, runBroadcastInBackground } from '../../programme/broadcast';
import { composeLetter, previewLetters, sampleLetters, selectionSchema, sendLetters, sendLettersSchema } from '../../programme/bulk-letters';
import { importOfficesCsv } from '../../programme/csv-import';
import { declareHold, listGoldDisks, reasonSchema, recallGoldDisk, releaseGoldDisk, releaseSchema } from '../../programme/gold-disk';
import {
  cancelWorkshop,
  createWorkshop,
  enrol,
  enrollableFocalPoints,
  getWorkshop,
  listWorkshops,
  newWorkshopSchema,
  recordAttendance,
} from '../../programme/workshops';
import { HttpError } from '../errors';
import { flag } from '../input';
import { idParams, route, type AnyRoute } from '../route';
import {
  broadcastListSchema,
  broadcastSchema,
  candidatesSchema,
  csvImportResultSchema,
  enrolResultSchema,
  focalPointPageSchema,
  goldDiskListSchema,
  goldDiskOperationSchema,
  holdSchema,
  lettersPreviewSchema,
  officeFocalPointsSchema,
  workshopDetailSchema,
  workshopListSchema,
  workshopOutcomeSchema,
  workshopSchema,
} from './programme-schemas';

const focalPointIds = z.array(z.number().int().positive()).max(10_000);

/** Reads a text body (CSV) that no global parser took; JSON bodies are refused. */
async function textBody(req: Request, res: Response, limit: string): Promise<string> {
  if (typeof req.body === 'string') return req.body;
  if (req.body !== undefined) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the offices as CSV: Content-Type: text/csv.');
  }
  await new Promise<void>((resolve, reject) =>
    express.text({ type: () => true, limit })(req, res, (error?: unknown) => (error ? reject(error) : resolve())),
  );
  return typeof req.body === 'string' ? req.body : '';
}

export function programmeRoutes(runtime: Runtime): AnyRoute[] {
  const ctx = runtime;
  return [
    // --- focal points
    route({
      method: 'get',
      path: '/api/focal-points',
      summary: 'Focal points of every office, filtered by office or status',
      tag: 'workshops',
      access: 'viewer',
      query: z.object({
        office: z.string().max(100).optional(),
        status: z.enum(['nominated', 'enrolled', 'trained', 'no-show']).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      responses: { 200: { description: 'One page of the matching focal points', schema: focalPointPageSchema } },
      handler: ({ query }) => runtime.programme.listFocalPoints({ ...query, officeId: query.office }),
    }),
    route({
      method: 'get',
      path: '/api/offices/:id/focal-points',
      summary: "An office's focal points with their training status",
      tag: 'workshops',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: "The office's focal points", schema: officeFocalPointsSchema } },
      handler: async ({ params }) => {
        if (!await runtime.store.getOffice(params.id)) throw officeNotFound(params.id);
        return { focalPoints: await runtime.programme.focalPointsOf(params.id) };
      },
    }),
    route({
      method: 'post',
      path: '/api/offices/:id/focal-points',
      summary: 'Nominate a focal point (FOCAL_POINT_NOMINATED); an office may nominate several',
      tag: 'workshops',
      access: 'coordinator',
      params: idParams,
      body: eventPayloads.FOCAL_POINT_NOMINATED,
      responses: { 201: { description: "The office's focal points", schema: officeFocalPointsSchema } },
      handler: async ({ params, body, res, actor }) => {
        await runtime.engine.apply(params.id, { type: 'FOCAL_POINT_NOMINATED', ...body }, { actor });
        res.status(201);
        return { focalPoints: await runtime.programme.focalPointsOf(params.id) };
      },
    }),

    // --- workshops
    route({
      method: 'get',
      path: '/api/workshops',
      summary: 'Training workshops with their places taken',
      tag: 'workshops',
      access: 'viewer',
      responses: { 200: { description: 'Every workshop', schema: workshopListSchema } },
      handler: async () => ({ workshops: await listWorkshops(ctx) }),
    }),
    route({
      method: 'post',
      path: '/api/workshops',
      summary: 'Plan a workshop',
      tag: 'workshops',
      access: 'coordinator',
      body: newWorkshopSchema,
      responses: { 201: { description: 'The planned workshop', schema: workshopSchema } },
      handler: ({ body, res }) => {
        res.status(201);
        return createWorkshop(ctx, body);
      },
    }),
    route({
      method: 'get',
      path: '/api/workshops/:id',
      summary: 'One workshop with its enrolments',
      tag: 'workshops',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: 'The workshop and its enrolments', schema: workshopDetailSchema } },
      handler: ({ params }) => getWorkshop(ctx, params.id),
    }),
    route({
      method: 'get',
      path: '/api/workshops/:id/candidates',
      summary: 'Focal points that can be enrolled now (nominated, in an office waiting for a workshop)',
      tag: 'workshops',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: 'The focal points that can be enrolled', schema: candidatesSchema } },
      handler: async ({ params }) => {
        await getWorkshop(ctx, params.id);
        return { focalPoints: await enrollableFocalPoints(ctx) };
      },
    }),
    route({
      method: 'post',
      path: '/api/workshops/:id/enrolments',
      summary: 'Enrol focal points (from any offices, up to capacity) in one transaction',
      tag: 'workshops',
      access: 'coordinator',
      params: idParams,
      body: z.object({ focalPointIds: focalPointIds.min(1) }),
      responses: { 200: { description: 'ENROLLED per office', schema: enrolResultSchema }, 409: { description: 'Over capacity, or not enrollable' } },
      handler: async ({ params, body, actor }) => ({
        offices: await enrol(ctx, params.id, body.focalPointIds, { actor }),
        workshop: await getWorkshop(ctx, params.id),
      }),
    }),
    route({
      method: 'post',
      path: '/api/workshops/:id/attendance',
      summary: 'Record who attended: TRAINING_COMPLETED or NO_SHOW per office, all in one transaction',
      tag: 'workshops',
      access: 'coordinator',
      params: idParams,
      body: z.object({ attended: focalPointIds }),
      responses: { 200: { description: 'The held workshop and the event per office', schema: workshopOutcomeSchema } },
      handler: ({ params, body, actor }) => recordAttendance(ctx, params.id, body.attended, { actor }),
    }),
    route({
      method: 'post',
      path: '/api/workshops/:id/cancel',
      summary: 'Cancel a planned workshop; its focal points go back to waiting for a workshop',
      tag: 'workshops',
      access: 'coordinator',
      params: idParams,
      responses: { 200: { description: 'The cancelled workshop and the event per office', schema: workshopOutcomeSchema } },
      handler: ({ params, actor }) => cancelWorkshop(ctx, params.id, { actor }),
    }),

    // --- Gold Disk and broadcasts
    route({
      method: 'get',
      path: '/api/gold-disk',
      summary: 'Gold Disk versions, the current one, and kits shipped with each',
      tag: 'gold-disk',
      access: 'viewer',
      responses: { 200: { description: 'The versions, newest first', schema: goldDiskListSchema } },
      handler: () => listGoldDisks(ctx),
    }),
    route({
      method: 'post',
      path: '/api/gold-disk/releases',
      summary: 'Release a Gold Disk version: GOLD_DISK_RELEASED to every office on hold',
      tag: 'gold-disk',
      access: 'coordinator',
      body: releaseSchema,
      responses: { 200: { description: 'The version and its broadcast', schema: goldDiskOperationSchema } },
      handler: async ({ body, actor }) => {
        const released = await releaseGoldDisk(ctx, body, { actor, limit: 0 });
        return { ...released, broadcast: await runBroadcastInBackground(ctx, released.broadcast.id) };
      },
    }),
    route({
      method: 'post',
      path: '/api/gold-disk/hold',
      summary: 'Declare a deployment hold: DEPLOYMENT_HELD to every office awaiting or receiving a kit',
      tag: 'gold-disk',
      access: 'coordinator',
      body: reasonSchema,
      responses: { 200: { description: 'The hold broadcast', schema: holdSchema } },
      handler: async ({ body, actor }) => ({ broadcast: await runBroadcastInBackground(ctx, (await declareHold(ctx, body, { actor, limit: 0 })).id) }),
    }),
    route({
      method: 'post',
      path: '/api/gold-disk/:version/recall',
      summary: 'Recall a Gold Disk version and hold every office awaiting or receiving a kit',
      tag: 'gold-disk',
      access: 'coordinator',
      params: z.object({ version: z.string().min(1).max(50) }),
      body: reasonSchema,
      responses: { 200: { description: 'The recalled version and the hold broadcast', schema: goldDiskOperationSchema } },
      handler: async ({ params, body, actor }) => {
        const recalled = await recallGoldDisk(ctx, { version: params.version, reason: body.reason }, { actor, limit: 0 });
        return { ...recalled, broadcast: await runBroadcastInBackground(ctx, recalled.broadcast.id) };
      },
    }),
    route({
      method: 'get',
      path: '/api/broadcasts',
      summary: 'Broadcasts (holds, releases, circular letters), newest first, with counts per outcome',
      tag: 'gold-disk',
      access: 'viewer',
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
      responses: { 200: { description: 'The broadcasts, newest first', schema: broadcastListSchema } },
      handler: async ({ query }) => ({ broadcasts: await listBroadcasts(ctx, query.limit) }),
    }),
    route({
      method: 'get',
      path: '/api/broadcasts/:id',
      summary: 'One broadcast with the outcome for each office; while it runs, `running` is true and the counts move',
      tag: 'gold-disk',
      access: 'viewer',
      params: idParams,
      responses: { 200: { description: 'The broadcast', schema: broadcastSchema } },
      handler: ({ params }) => broadcastView(ctx, params.id),
    }),
    route({
      method: 'post',
      path: '/api/broadcasts/:id/resume',
      summary: 'Finish the offices a broadcast left pending (after a crash); done offices are not repeated',
      tag: 'gold-disk',
      access: 'coordinator',
      params: idParams,
      responses: { 200: { description: 'The broadcast', schema: broadcastSchema } },
      handler: ({ params }) => runBroadcastInBackground(ctx, params.id),
    }),

    // --- circular letters
    route({
      method: 'post',
      path: '/api/letters/preview',
      summary: 'Which offices a circular letter to this selection would reach, and its exact text per language (changes nothing)',
      tag: 'letters',
      access: 'coordinator',
      body: z.object({ selection: selectionSchema, letterRef: z.string().trim().max(200).optional() }),
      responses: { 200: { description: 'The offices the letter would reach and its text', schema: lettersPreviewSchema } },
      handler: async ({ body }) => {
        const preview = await previewLetters(ctx, body.selection);
        return { ...preview, samples: await sampleLetters(ctx, preview, body.letterRef, composeLetter(runtime)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/letters',
      summary: 'Send SEND_CIRCULAR to every eligible office of the selection, with a result per office',
      tag: 'letters',
      access: 'coordinator',
      body: sendLettersSchema,
      responses: { 200: { description: 'The broadcast with each office outcome', schema: broadcastSchema }, 409: { description: 'The selection changed since the preview' } },
      handler: async ({ body, actor }) => await runBroadcastInBackground(ctx, (await sendLetters(ctx, body, { actor, limit: 0 })).id),
    }),

    // --- CSV office import
    route({
      method: 'post',
      path: '/api/import/offices',
      summary: 'Import offices from CSV (id, name, country, city, language, contact name, contact email); upsert by id',
      tag: 'import',
      access: 'admin',
      query: z.object({ dryRun: flag.default(false) }),
      textBody: {
        mediaTypes: ['text/csv'],
        description: 'CSV with a header line naming its columns, in any order: id, name, country (required), city, language, contact name, contact email, track.',
      },
      responses: { 200: { description: 'Created, updated and unchanged offices', schema: csvImportResultSchema }, 400: { description: 'Bad lines, by line number' } },
      handler: async ({ req, res, query, actor }) => {
        const text = await textBody(req, res, runtime.config.BODY_LIMIT);
        return await importOfficesCsv(ctx, text, { actor, dryRun: query.dryRun });
      },
    }),
  ];
}
