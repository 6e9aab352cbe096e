import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z, type ZodType } from 'zod';
import type { Runtime } from '../../app/runtime';
import { EngineError } from '../../engine/errors';
import { broadcastView, runBroadcastInBackground } from '../../programme/broadcast';
import { composeLetter, previewLetters, sampleLetters, selectionSchema, sendLetters } from '../../programme/bulk-letters';
import { importOfficesCsv } from '../../programme/csv-import';
import { declareHold, previewHold, recallGoldDisk, releaseGoldDisk } from '../../programme/gold-disk';
import { computeProgressReport } from '../../programme/report/progress';
import { cancelWorkshop, createWorkshop, enrol, newWorkshopSchema, raiseCapacityAndEnrol, recordAttendance } from '../../programme/workshops';
import { HttpError, toHttpError } from '../errors';
import { idParams, route, type AnyRoute } from '../route';
import {
  errorPage,
  renderBroadcast,
  renderGoldDisk,
  renderHoldPreview,
  renderImport,
  renderProgrammeHome,
  renderReportPage,
  renderWorkshop,
  renderWorkshops,
} from './programme-views';
import { renderLetters, type LetterQuery } from './letters-views';

function send(res: Response, body: string, status = 200): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store').send(body);
}

/** The session's CSRF token for the forms, when the request has a signed-in session. */
function csrfToken(res: Response): string | undefined {
  const principal = res.locals.principal as { csrfToken?: string } | undefined;
  return principal?.csrfToken;
}

const ids = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function parse<T>(schema: ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_input', parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** Runs a form's action; on success redirects (303) to the page that shows the result, otherwise explains. */
async function formAction(res: Response, back: string, work: () => string | Promise<string>): Promise<void> {
  try {
    res.redirect(303, await work());
  } catch (error) {
    const http = toHttpError(error);
    if (http.status >= 500) throw error;
    send(res, errorPage('Not done.', http.message, back), http.status);
  }
}

/**
 * Body parsers for the programme's form posts, mounted before access checks so the CSRF field is
 * readable: URL-encoded forms, and the CSV upload (multipart/form-data with text fields and one file).
 */
export function programmeFormParsers(limit: string): RequestHandler[] {
  const raw = express.raw({ type: 'multipart/form-data', limit });
  const multipart: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    raw(req, res, (error?: unknown) => {
      if (error) return next(error);
      try {
        req.body = parseMultipart(req.body as Buffer, req.get('Content-Type') ?? '');
        next();
      } catch (e) {
        next(e);
      }
    });
  };
  return [express.urlencoded({ extended: false, limit }), multipart];
}

/** Text fields and files of a multipart/form-data body, each as a UTF-8 string keyed by field name. */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new HttpError(400, 'invalid_multipart', 'The upload has no multipart boundary.');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2); // skip the CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined) fields[name] = part.subarray(headerEnd + 4).toString('utf8');
    }
    start = next;
  }
  return fields;
}

const reportQuery = z.object({ from: z.iso.date().optional().catch(undefined), to: z.iso.date().optional().catch(undefined) });
const selectionQuery = z.object({
  state: z.string().max(100).optional(),
  country: z.string().max(2000).optional(),
  region: z.string().max(50).optional(),
  track: z.string().max(20).optional(),
  ids: z.string().max(100_000).optional(),
  letterRef: z.string().max(200).optional(),
  preview: z.string().optional(),
  confirm: z.string().optional(),
});
const doneQuery = z.object({ done: z.string().max(20).optional() });

/** What to do about a refused enrolment: for a full workshop, how many places are left and how to fit. */
function enrolFix(error: unknown, message: string): { message: string; raiseTo?: number } {
  const d = error instanceof EngineError ? (error.details as { capacity?: number; taken?: number; requested?: number }) : {};
  if (d.capacity === undefined || d.taken === undefined || d.requested === undefined) return { message };
  const left = Math.max(0, d.capacity - d.taken);
  const raiseTo = d.taken + d.requested;
  if (left === 0) {
    return { message: `The workshop is full (${d.taken} of ${d.capacity} places taken). Raise its capacity to ${raiseTo}, or enrol these focal points in another workshop.`, raiseTo };
  }
  const extra = d.requested - left;
  return {
    message: `Only ${left} place${left === 1 ? '' : 's'} left and ${d.requested} ticked: untick ${extra} focal point${extra === 1 ? '' : 's'}, or raise the capacity to ${raiseTo}. Your selection is kept below.`,
    raiseTo,
  };
}

/** The programme's dashboard pages, in the same route table as the API. */
export function programmePageRoutes(runtime: Runtime): AnyRoute[] {
  /** Starts a broadcast's run as background work and names its page, which shows the progress. */
  const inBackground = (id: string) => {
    runBroadcastInBackground(runtime, id).catch((error: unknown) =>
      // Whatever stopped the run left its offices pending: the page offers to resume.
      process.emitWarning(`broadcast ${id} stopped: ${error instanceof Error ? error.message : String(error)}`),
    );
    return `/programme/broadcasts/${encodeURIComponent(id)}`;
  };
  const page = (path: string, summary: string, handler: AnyRoute['handler'], extra: Partial<AnyRoute> = {}) =>
    route({ method: 'get', path, summary, tag: 'pages', access: 'viewer', produces: 'html', handler, ...extra });
  const form = (path: string, summary: string, handler: AnyRoute['handler'], access: AnyRoute['access'] = 'coordinator') =>
    route({ method: 'post', path, summary, tag: 'pages', access, produces: 'html', handler, ...(path.includes(':id') ? { params: idParams } : {}) });
  const wsPath = (id: string) => `/programme/workshops/${encodeURIComponent(id)}`;

  return [
    page('/programme', 'Dashboard: running the programme', async ({ res }) => send(res, await renderProgrammeHome(runtime))),
    page('/programme/report', 'Dashboard: the progress report for a period (default: the last complete quarter)', async ({ query, res }) => {
      try {
        const report = await computeProgressReport(runtime.storage, runtime.engine.clock.now(), { ...query, policies: runtime.reminders.policies });
        send(res, renderReportPage(report));
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        send(res, errorPage('No report.', error.message, '/programme/report'), 400);
      }
    }, { query: reportQuery }),

    page('/programme/workshops', 'Dashboard: workshops', async ({ query, res }) => send(res, await renderWorkshops(runtime, csrfToken(res), query.done)), { query: doneQuery }),
    form('/programme/workshops', 'Dashboard form: plan a workshop', async ({ req, res }) =>
      await formAction(res, '/programme/workshops', async () => `${wsPath((await createWorkshop(runtime, parse(newWorkshopSchema, req.body))).id)}?done=created`),
    ),
    page('/programme/workshops/:id', 'Dashboard: one workshop, enrolment and attendance', async ({ params, query, res }) => {
      try {
        send(res, await renderWorkshop(runtime, params.id, csrfToken(res), query.done));
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        send(res, errorPage('Not found.', error.message, '/programme/workshops'), 404);
      }
    }, { params: idParams, query: doneQuery }),
    form('/programme/workshops/:id/enrol', 'Dashboard form: enrol focal points', async ({ req, res, actor, params }) => {
      const chosen = z.array(z.coerce.number().int().positive()).safeParse(ids(req.body?.focalPointId));
      try {
        if (!chosen.success || chosen.data.length === 0) throw new HttpError(400, 'invalid_input', 'Tick at least one focal point to enrol.');
        const capacity = z.coerce.number().int().min(1).max(10_000).optional().safeParse(req.body?.capacity || undefined);
        if (!capacity.success) throw new HttpError(400, 'invalid_input', 'The capacity must be a whole number from 1 to 10,000.');
        if (capacity.data === undefined) await enrol(runtime, params.id, chosen.data, { actor });
        else await raiseCapacityAndEnrol(runtime, params.id, capacity.data, chosen.data, { actor });
        res.redirect(303, `${wsPath(params.id)}?done=enrolled`);
      } catch (error) {
        const http = toHttpError(error);
        if (http.status >= 500) throw error;
        let page: string;
        try {
          page = await renderWorkshop(runtime, params.id, csrfToken(res), undefined, {
            selected: chosen.success ? chosen.data : [],
            ...enrolFix(error, http.message),
          });
        } catch {
          page = errorPage('Not done.', http.message, wsPath(params.id));
        }
        send(res, page, http.status);
      }
    }),
    form('/programme/workshops/:id/attendance', 'Dashboard form: record attendance', async ({ req, res, actor, params }) =>
      await formAction(res, wsPath(params.id), async () => {
        const attended = parse(z.array(z.coerce.number().int().positive()), ids(req.body?.attended));
        await recordAttendance(runtime, params.id, attended, { actor });
        return `${wsPath(params.id)}?done=attendance`;
      }),
    ),
    form('/programme/workshops/:id/cancel', 'Dashboard form: cancel a workshop', async ({ res, actor, params }) =>
      await formAction(res, wsPath(params.id), async () => {
        await cancelWorkshop(runtime, params.id, { actor });
        return `${wsPath(params.id)}?done=cancelled`;
      }),
    ),

    page('/programme/gold-disk', 'Dashboard: Gold Disk versions and broadcasts', async ({ res }) => send(res, await renderGoldDisk(runtime, csrfToken(res)))),
    form('/programme/gold-disk/release', 'Dashboard form: release a Gold Disk version', async ({ req, res, actor }) =>
      await formAction(res, '/programme/gold-disk', async () => {
        const input = parse(z.object({ version: z.string().trim().min(1).max(50), notes: z.string().trim().max(5000).default('') }), req.body);
        return inBackground((await releaseGoldDisk(runtime, input, { actor, limit: 0 })).broadcast.id);
      }),
    ),
    form('/programme/gold-disk/hold', 'Dashboard form: preview, then confirm, a recall of the current version or a deployment hold', async ({ req, res, actor }) => {
      const input = parse(
        z.object({
          reason: z.string().trim().min(1).max(2000),
          recall: z.string().max(50).optional(),
          confirm: z.literal('yes').optional(),
          expectedCount: z.coerce.number().int().min(0).optional(),
        }),
        req.body,
      );
      const offices = await previewHold(runtime);
      // Nothing runs before its preview was seen, and seen for the same offices.
      if (input.confirm !== 'yes' || input.expectedCount !== offices.length) {
        const changed = input.confirm === 'yes' ? `The offices concerned changed since the preview (${input.expectedCount} then, ${offices.length} now). Check them again.` : null;
        return send(res, renderHoldPreview({ reason: input.reason, recall: input.recall }, offices, changed, csrfToken(res)), changed ? 409 : 200);
      }
      await formAction(res, '/programme/gold-disk', async () => {
        const broadcast = input.recall
          ? (await recallGoldDisk(runtime, { version: input.recall, reason: input.reason }, { actor, limit: 0 })).broadcast
          : await declareHold(runtime, { reason: input.reason }, { actor, limit: 0 });
        return inBackground(broadcast.id);
      });
    }),
    page('/programme/broadcasts/:id', 'Dashboard: one broadcast, its result per office', async ({ params, res }) => {
      try {
        send(res, renderBroadcast(await broadcastView(runtime, params.id), csrfToken(res)));
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        send(res, errorPage('Not found.', error.message, '/programme/gold-disk'), 404);
      }
    }, { params: idParams }),
    form('/programme/broadcasts/:id/resume', 'Dashboard form: resume an interrupted broadcast', async ({ res, params }) =>
      await formAction(res, '/programme/gold-disk', async () => inBackground((await broadcastView(runtime, params.id)).id)),
    ),

    page('/programme/letters', 'Dashboard: select offices, preview the circular letter, confirm', async ({ query, res }) => {
      const { preview: wanted, confirm, ...raw } = query as z.infer<typeof selectionQuery>;
      const letterQuery = raw as LetterQuery;
      if (!wanted && !confirm) return send(res, renderLetters(letterQuery, null, null, csrfToken(res)));
      const { letterRef, ...selectionRaw } = raw;
      const parsed = selectionSchema.safeParse(selectionRaw);
      if (!parsed.success) {
        const problem = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        return send(res, renderLetters(letterQuery, null, problem, csrfToken(res)), 400);
      }
      const preview = await previewLetters(runtime, parsed.data);
      const samples = confirm ? [] : await sampleLetters(runtime, preview, letterRef, composeLetter(runtime));
      send(res, renderLetters(letterQuery, { preview, samples, confirm: Boolean(confirm) }, null, csrfToken(res)));
    }, { query: selectionQuery }),
    form('/programme/letters', 'Dashboard form: send the circular letter to the previewed offices', async ({ req, res, actor }) =>
      await formAction(res, '/programme/letters', async () => {
        const body = (req.body ?? {}) as Record<string, string>;
        const selection = parse(selectionSchema, body);
        const { letterRef, expectedCount } = parse(
          z.object({ letterRef: z.string().trim().max(200).optional(), expectedCount: z.coerce.number().int().min(0) }),
          body,
        );
        return inBackground((await sendLetters(runtime, { selection, letterRef: letterRef || undefined, expectedCount }, { actor, limit: 0 })).id);
      }),
    ),

    page('/programme/import', 'Dashboard: import offices from CSV', ({ res }) => send(res, renderImport(csrfToken(res))), { access: 'admin' }),
    form(
      '/programme/import',
      'Dashboard form: upload a CSV of offices',
      async ({ req, res, actor }) => {
        const body = (req.body ?? {}) as Record<string, string>;
        try {
          const result = await importOfficesCsv(runtime, body.file ?? '', { actor, dryRun: Boolean(body.dryRun) });
          send(res, renderImport(csrfToken(res), result));
        } catch (error) {
          if (!(error instanceof EngineError)) throw error;
          const errors = (error.details.errors as { line: number; message: string }[] | undefined) ?? [{ line: 0, message: error.message }];
          send(res, renderImport(csrfToken(res), undefined, errors), 400);
        }
      },
      'admin',
    ),
  ];
}
