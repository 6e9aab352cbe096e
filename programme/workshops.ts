import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { boundedDay } from '../engine/dates';
import { EngineError } from '../engine/errors';
import type { ImportKind } from '../engine/import';
import { countryCode } from '../engine/office-input';
import type { ProgrammeStore, Workshop } from '../storage/programme-store';
import type { ActorOptions, ProgrammeContext } from './context';

const TRAINING_NOMINATED = 'preparing.training.nominated';
const TRAINING_ENROLLED = 'preparing.training.enrolled';

const workshopFields = z.object({
  title: z.string().trim().min(1).max(300),
  city: z.string().trim().min(1).max(200),
  country: countryCode,
  start: boundedDay,
  end: boundedDay,
  capacity: z.coerce.number().int().min(1).max(10_000),
});

// Validated YYYY-MM-DD days of four-digit years: as strings they order as dates.
const datesInOrder = (w: { start: string; end: string }) => w.end >= w.start;
const datesMessage = { message: 'end must not be before start', path: ['end'] };

export const newWorkshopSchema = workshopFields
  .extend({ id: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/).optional() })
  .refine(datesInOrder, datesMessage);
export type NewWorkshop = z.infer<typeof newWorkshopSchema>;

/** `{"kind":"workshop","id",…,"status"}` in a JSON Lines import: a workshop of a past or current programme. */
export const workshopLineSchema = workshopFields
  .extend({
    kind: z.literal('workshop'),
    id: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/),
    status: z.enum(['planned', 'held', 'cancelled']).default('planned'),
  })
  .refine(datesInOrder, datesMessage);
export type WorkshopLine = z.infer<typeof workshopLineSchema>;

/** Import kind for `engine/import.ts`: loads or updates the workshop, before the events that refer to it. */
export function workshopImportKind(programme: ProgrammeStore): ImportKind<WorkshopLine> {
  return {
    schema: workshopLineSchema,
    async apply(_engine, line) {
      const { kind: _kind, ...w } = line;
      await programme.upsertWorkshop({ ...w, createdAt: null, statusAt: null });
    },
  };
}

export interface WorkshopView extends Workshop {
  enrolled: number;
  placesLeft: number;
}

export async function workshopView(programme: ProgrammeStore, w: Workshop): Promise<WorkshopView> {
  const enrolled = await programme.enrolledCount(w.id);
  return { ...w, enrolled, placesLeft: Math.max(0, w.capacity - enrolled) };
}

export async function getWorkshop(ctx: ProgrammeContext, id: string) {
  const w = await ctx.programme.getWorkshop(id);
  if (!w) throw new EngineError('not_found', `No workshop with id "${id}".`, { id });
  return { ...await workshopView(ctx.programme, w), enrolments: await ctx.programme.enrolments(id) };
}

export async function listWorkshops(ctx: ProgrammeContext): Promise<WorkshopView[]> {
  return await Promise.all((await ctx.programme.listWorkshops()).map((w) => workshopView(ctx.programme, w)));
}

export async function createWorkshop(ctx: ProgrammeContext, input: NewWorkshop): Promise<WorkshopView> {
  const id = input.id ?? `WS-${randomUUID().slice(0, 8)}`;
  const workshop: Workshop = { ...input, id, status: 'planned', createdAt: ctx.engine.clock.now().toISOString(), statusAt: null };
  await ctx.engine.transact(async () => {
    if (await ctx.programme.getWorkshop(id)) throw new EngineError('conflict', `A workshop with id "${id}" already exists.`, { id });
    await ctx.programme.upsertWorkshop(workshop);
  });
  return await workshopView(ctx.programme, workshop);
}

async function plannedWorkshop(ctx: ProgrammeContext, id: string): Promise<Workshop> {
  const w = await ctx.programme.getWorkshop(id);
  if (!w) throw new EngineError('not_found', `No workshop with id "${id}".`, { id });
  if (w.status !== 'planned') throw new EngineError('conflict', `Workshop "${id}" is ${w.status}.`, { id, status: w.status });
  return w;
}

function groupByOffice<T extends { officeId: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.officeId, [...(groups.get(item.officeId) ?? []), item]);
  return groups;
}

export interface OfficeOutcome {
  officeId: string;
  event: string | null;
  focalPoints: string[];
  message?: string;
}

/**
 * Enrols nominated focal points (from any offices) in a planned workshop, in one transaction:
 * each office gets ENROLLED naming its focal points. Over capacity, nothing is enrolled.
 */
export async function enrol(ctx: ProgrammeContext, workshopId: string, focalPointIds: number[], options: ActorOptions): Promise<OfficeOutcome[]> {
  return await ctx.engine.transact(async () => {
    const workshop = await plannedWorkshop(ctx, workshopId);
    const focalPoints = [];
    for (const id of new Set(focalPointIds)) {
      const f = await ctx.programme.getFocalPoint(id);
      if (!f) throw new EngineError('not_found', `No focal point with id ${id}.`, { focalPointId: id });
      if (f.status === 'trained') throw new EngineError('conflict', `Focal point ${f.email} is already trained.`, { focalPointId: id });
      if (f.status === 'enrolled') {
        throw new EngineError('conflict', `Focal point ${f.email} is already enrolled in workshop "${f.workshopId}".`, {
          focalPointId: id,
        });
      }
      focalPoints.push(f);
    }
    const taken = await ctx.programme.enrolledCount(workshop.id);
    if (taken + focalPoints.length > workshop.capacity) {
      throw new EngineError(
        'conflict',
        `Workshop "${workshop.id}" has ${workshop.capacity - taken} place(s) left; ${focalPoints.length} requested.`,
        { capacity: workshop.capacity, taken, requested: focalPoints.length },
      );
    }
    const outcomes: OfficeOutcome[] = [];
    for (const [officeId, list] of groupByOffice(focalPoints)) {
      const emails = list.map((f) => f.email);
      await ctx.engine.apply(officeId, { type: 'ENROLLED', workshopId: workshop.id, focalPoints: emails }, { actor: options.actor });
      outcomes.push({ officeId, event: 'ENROLLED', focalPoints: emails });
    }
    return outcomes;
  });
}

/**
 * Raises a planned workshop's capacity and enrols the focal points, in one transaction: the fix
 * offered when an enrolment would not fit. Capacity only grows this way.
 */
export async function raiseCapacityAndEnrol(
  ctx: ProgrammeContext,
  workshopId: string,
  capacity: number,
  focalPointIds: number[],
  options: ActorOptions,
): Promise<OfficeOutcome[]> {
  return await ctx.engine.transact(async () => {
    const workshop = await plannedWorkshop(ctx, workshopId);
    if (capacity < workshop.capacity) {
      throw new EngineError('invalid_input', `Workshop "${workshop.id}" has ${workshop.capacity} places; a capacity can only be raised here.`, {
        capacity: workshop.capacity,
      });
    }
    await ctx.programme.setWorkshopCapacity(workshop.id, capacity);
    return await enrol(ctx, workshopId, focalPointIds, options);
  });
}

/** Focal points that may be enrolled now: nominated (or missed a workshop) in an office waiting for a workshop. */
export async function enrollableFocalPoints(ctx: ProgrammeContext) {
  return await ctx.programme.enrollableFocalPoints([TRAINING_NOMINATED, TRAINING_ENROLLED]);
}

/**
 * Records who attended a workshop, in one transaction: an office whose focal point attended gets
 * TRAINING_COMPLETED (naming who attended), an office whose focal points all missed it gets
 * NO_SHOW, and the workshop becomes `held`. Offices no longer waiting for this workshop are reported
 * and left alone.
 */
export async function recordAttendance(
  ctx: ProgrammeContext,
  workshopId: string,
  attendedIds: number[],
  options: ActorOptions,
): Promise<{ workshop: WorkshopView; offices: OfficeOutcome[] }> {
  return await ctx.engine.transact(async () => {
    const workshop = await plannedWorkshop(ctx, workshopId);
    const today = ctx.engine.clock.now().toISOString().slice(0, 10);
    if (today < workshop.start) {
      throw new EngineError('conflict', `Workshop "${workshopId}" starts on ${workshop.start}: attendance can be recorded once it has begun.`, {
        start: workshop.start,
      });
    }
    const open = (await ctx.programme.enrolments(workshopId)).filter((e) => e.attendance === null);
    const attended = new Set(attendedIds);
    for (const id of attended) {
      if (!open.some((e) => e.focalPointId === id)) {
        throw new EngineError('invalid_input', `Focal point ${id} is not enrolled in workshop "${workshopId}".`, { focalPointId: id });
      }
    }
    const outcomes: OfficeOutcome[] = [];
    for (const [officeId, enrolments] of groupByOffice(open)) {
      const present = enrolments.filter((e) => attended.has(e.focalPointId)).map((e) => e.email);
      const office = await ctx.store.getOffice(officeId);
      if (!office?.states.includes(TRAINING_ENROLLED) || office.snapshot.context.workshopId !== workshopId) {
        outcomes.push({
          officeId,
          event: null,
          focalPoints: present,
          message: `not waiting for this workshop (now in ${office?.states.join(' + ') ?? 'nothing'})`,
        });
        continue;
      }
      if (present.length > 0) {
        await ctx.engine.apply(officeId, { type: 'TRAINING_COMPLETED', workshopId, focalPoints: present }, options);
        outcomes.push({ officeId, event: 'TRAINING_COMPLETED', focalPoints: present });
      } else {
        await ctx.engine.apply(officeId, { type: 'NO_SHOW', workshopId }, options);
        outcomes.push({ officeId, event: 'NO_SHOW', focalPoints: [] });
      }
    }
    const at = ctx.engine.clock.now().toISOString();
    await ctx.programme.setWorkshopStatus(workshopId, 'held', at);
    return { workshop: await workshopView(ctx.programme, { ...workshop, status: 'held', statusAt: at }), offices: outcomes };
  });
}

/**
 * Cancels a planned workshop in one transaction: every office waiting for it gets NO_SHOW with
 * `workshopCancelled`, which sends its focal points back to "nominated" for the next workshop.
 */
export async function cancelWorkshop(ctx: ProgrammeContext, workshopId: string, options: ActorOptions): Promise<{ workshop: WorkshopView; offices: OfficeOutcome[] }> {
  return await ctx.engine.transact(async () => {
    const workshop = await plannedWorkshop(ctx, workshopId);
    const open = (await ctx.programme.enrolments(workshopId)).filter((e) => e.attendance === null);
    const outcomes: OfficeOutcome[] = [];
    for (const [officeId, enrolments] of groupByOffice(open)) {
      const office = await ctx.store.getOffice(officeId);
      const emails = enrolments.map((e) => e.email);
      if (!office?.states.includes(TRAINING_ENROLLED) || office.snapshot.context.workshopId !== workshopId) {
        outcomes.push({ officeId, event: null, focalPoints: emails, message: 'not waiting for this workshop' });
        continue;
      }
      await ctx.engine.apply(officeId, { type: 'NO_SHOW', workshopId, workshopCancelled: true }, options);
      outcomes.push({ officeId, event: 'NO_SHOW', focalPoints: emails });
    }
    const at = ctx.engine.clock.now().toISOString();
    await ctx.programme.setWorkshopStatus(workshopId, 'cancelled', at);
    return { workshop: await workshopView(ctx.programme, { ...workshop, status: 'cancelled', statusAt: at }), offices: outcomes };
  });
}
