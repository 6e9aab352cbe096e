import { transition } from 'xstate';
import type { Engine, EngineHooks, TransitionRecord } from '../engine/engine';
import { EngineError } from '../engine/errors';
import { initialSnapshot } from '../engine/snapshot';
import { isParsedEvent, parseOfficeEvent, type OfficeEvent, type OfficeEventType } from '../machines/events';
import { officeMachine } from '../machines/office';
import type { FocalPoint, ProgrammeStore } from '../storage/programme-store';

/**
 * Keeps the focal-point register, the workshop enrolments and the kit shipments in step with the
 * history. It runs inside the transaction of each transition, so the register always says what
 * the history says, with the history's own timestamps; a rule it enforces (workshop capacity, a
 * focal point that was never nominated) aborts the transition.
 */
export function programmeHooks(store: ProgrammeStore): EngineHooks {
  return {
    inTransaction(record) {
      switch (record.entry.type) {
        case 'FOCAL_POINT_NOMINATED':
          return nominated(store, record);
        case 'ENROLLED':
          return enrolled(store, record);
        case 'TRAINING_COMPLETED':
          return trained(store, record);
        case 'NO_SHOW':
          return noShow(store, record);
        case 'KIT_SHIPPED':
          return shipped(store, record);
      }
    },
  };
}

/**
 * The payload of the transition, read back through the event's schema (it is stored JSON, and the
 * backfill replays rows written long ago): a row that no longer fits is an error, not a guess.
 */
function payloadOf<T extends OfficeEventType>(record: TransitionRecord, type: T): Extract<OfficeEvent, { type: T }> {
  // The event as the API parsed it (the history row holds exactly its payload): parsing it again
  // would give the same event.
  if (record.event?.type === type && isParsedEvent(record.event)) return record.event as Extract<OfficeEvent, { type: T }>;
  const parsed = parseOfficeEvent({ ...record.entry.payload, type: record.entry.type });
  if (!parsed.ok || parsed.event.type !== type) {
    throw new EngineError('invalid_input', `History row ${record.office.id}#${record.entry.seq} (${record.entry.type}) does not fit the ${type} schema.`, {
      issues: parsed.ok ? [] : parsed.issues,
    });
  }
  return parsed.event as Extract<OfficeEvent, { type: T }>;
}

async function nominated(store: ProgrammeStore, record: TransitionRecord): Promise<void> {
  const { name, email, role } = payloadOf(record, 'FOCAL_POINT_NOMINATED');
  const officeId = record.office.id;
  const existing = await store.focalPointByEmail(officeId, email);
  if (existing) await store.renominate(existing.id, name, role ?? null);
  else await store.insertFocalPoint(officeId, name, email, role ?? null, record.entry.at);
}

/** Focal points of the office, creating the one the office context names if the register has none. */
async function focalPointsOf(store: ProgrammeStore, record: TransitionRecord): Promise<FocalPoint[]> {
  const officeId = record.office.id;
  let list = await store.focalPointsOf(officeId);
  const remembered = record.before?.context.focalPoint;
  if (list.length === 0 && remembered) {
    await store.insertFocalPoint(officeId, remembered.name, remembered.email, null, record.entry.at);
    list = await store.focalPointsOf(officeId);
  }
  return list;
}

function named(list: FocalPoint[], emails: string[], officeId: string): FocalPoint[] {
  return emails.map((email) => {
    const found = list.find((f) => f.email === email.toLowerCase());
    if (!found) {
      throw new EngineError('invalid_input', `Office "${officeId}" has no focal point ${email}: nominate it first.`, {
        officeId,
        email,
      });
    }
    return found;
  });
}

async function enrolled(store: ProgrammeStore, record: TransitionRecord): Promise<void> {
  const { workshopId, focalPoints } = payloadOf(record, 'ENROLLED');
  const officeId = record.office.id;
  const at = record.entry.at;
  const previous = record.before?.context.workshopId;
  if (record.entry.from.includes('preparing.training.enrolled') && previous && previous !== workshopId) {
    throw new EngineError('conflict', `Office "${officeId}" is already enrolled in workshop "${previous}".`, {
      officeId,
      workshopId: previous,
    });
  }
  const list = await focalPointsOf(store, record);
  const targets = focalPoints
    ? named(list, focalPoints, officeId)
    : list.filter((f) => f.status === 'nominated' || f.status === 'no-show');
  const trainedAlready = targets.find((f) => f.status === 'trained');
  if (trainedAlready) {
    throw new EngineError('conflict', `Focal point ${trainedAlready.email} is already trained.`, { officeId });
  }
  if (targets.length === 0) {
    throw new EngineError('conflict', `Office "${officeId}" has no focal point waiting for a workshop.`, { officeId });
  }
  const workshop = await store.getWorkshop(workshopId!);
  if (workshop) {
    if (workshop.status !== 'planned' && workshop.statusAt !== null && workshop.statusAt <= at) {
      throw new EngineError('conflict', `Workshop "${workshop.id}" is ${workshop.status}: it takes no enrolments.`, {
        workshopId: workshop.id,
      });
    }
    const fresh = targets.filter((f) => !(f.status === 'enrolled' && f.workshopId === workshop.id));
    const taken = await store.enrolledCount(workshop.id);
    if (taken + fresh.length > workshop.capacity) {
      throw new EngineError(
        'conflict',
        `Workshop "${workshop.id}" is full: ${taken} of ${workshop.capacity} places taken, ${fresh.length} requested.`,
        { workshopId: workshop.id, capacity: workshop.capacity, taken, requested: fresh.length },
      );
    }
  }
  for (const f of targets) {
    await store.markEnrolled(f.id, workshopId!, at);
    await store.addEnrolment(workshopId!, f.id, officeId, at);
  }
}

async function trained(store: ProgrammeStore, record: TransitionRecord): Promise<void> {
  const payload = payloadOf(record, 'TRAINING_COMPLETED');
  const officeId = record.office.id;
  const at = record.entry.at;
  const workshopId = payload.workshopId ?? record.before?.context.workshopId ?? null;
  const list = await focalPointsOf(store, record);
  const enrolledHere = list.filter((f) => f.status === 'enrolled' && (workshopId === null || f.workshopId === workshopId));
  let attended: FocalPoint[];
  if (payload.focalPoints) attended = named(list, payload.focalPoints, officeId);
  else if (enrolledHere.length > 0) attended = enrolledHere;
  else attended = list.filter((f) => f.status !== 'trained');
  for (const f of attended) {
    await store.markTrained(f.id, workshopId, at);
    if (workshopId) await store.setAttendance(workshopId, f.id, 'attended');
  }
  // Enrolled in the same workshop but not among those who attended: they missed it.
  for (const f of enrolledHere) {
    if (attended.some((a) => a.id === f.id)) continue;
    await store.markNoShow(f.id, at);
    if (workshopId) await store.setAttendance(workshopId, f.id, 'missed');
  }
}

async function noShow(store: ProgrammeStore, record: TransitionRecord): Promise<void> {
  const payload = payloadOf(record, 'NO_SHOW');
  const workshopId = payload.workshopId ?? record.before?.context.workshopId ?? null;
  for (const f of await focalPointsOf(store, record)) {
    if (f.status !== 'enrolled' || (workshopId !== null && f.workshopId !== workshopId)) continue;
    if (payload.workshopCancelled) await store.markNominatedAgain(f.id);
    else await store.markNoShow(f.id, record.entry.at);
    if (f.workshopId) await store.setAttendance(f.workshopId, f.id, payload.workshopCancelled ? 'cancelled' : 'missed');
  }
}

/**
 * A kit ships with a Gold Disk the programme released. Histories from before the register held
 * any version (nothing to check against) are taken as they are.
 */
async function shipped(store: ProgrammeStore, record: TransitionRecord): Promise<void> {
  const named = payloadOf(record, 'KIT_SHIPPED').goldDiskVersion;
  if (named !== undefined && !await store.getGoldDisk(named)) {
    const released = (await store.listGoldDisks()).map((v) => v.version);
    if (released.length > 0) {
      throw new EngineError(
        'invalid_input',
        `Gold Disk version "${named}" was never released; released versions: ${released.join(', ')}.`,
        { goldDiskVersion: named, released },
      );
    }
  }
  const version = named ?? record.after.context.goldDiskVersion ?? await store.currentGoldDisk();
  await store.recordShipment(record.office.id, record.entry.seq, version, record.entry.at);
}

const TRACKED = ['FOCAL_POINT_NOMINATED', 'ENROLLED', 'TRAINING_COMPLETED', 'NO_SHOW', 'KIT_SHIPPED'];

/**
 * Databases whose history predates the focal-point register get it rebuilt once, at start-up, by
 * replaying each concerned office's history through the machine and the same hook. It runs only
 * while the register is empty and the history holds nominations, so it costs one probe afterwards.
 */
export async function backfillFocalPoints(engine: Engine, programme: ProgrammeStore): Promise<number> {
  if (!await programme.focalPointRegisterNeedsBackfill()) return 0;
  const hooks = programmeHooks(programme);
  const ids = await programme.officesWithHistoryOf(TRACKED);
  await engine.transact(async () => {
    for (const id of ids) {
      const office = await engine.store.getOffice(id);
      if (!office) continue;
      let snapshot = initialSnapshot({ track: office.track });
      for (const entry of (await engine.store.history(id)).slice(1)) {
        const parsed = parseOfficeEvent({ ...entry.payload, type: entry.type });
        if (!parsed.ok) break; // what follows cannot be replayed; `verify` names the row
        const before = snapshot;
        snapshot = transition(officeMachine, before, parsed.event)[0];
        if (!TRACKED.includes(entry.type)) continue;
        try {
          await hooks.inTransaction!({ office, previous: office, entry, before, after: snapshot, entered: [], exited: [], at: new Date(entry.at) });
        } catch {
          // A history the rules of today would refuse (e.g. an over-full workshop) is still history.
        }
      }
    }
  });
  return ids.length;
}
