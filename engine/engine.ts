import { AsyncLocalStorage } from 'node:async_hooks';
import type { OfficeEvent } from '../machines/events';
import { OFFICE_MACHINE_VERSION } from '../machines/office';
import type { HistoryEntry, OfficeRecord, OfficeStore } from '../storage/types';
import { systemClock, type Clock } from './clock';
import { EngineError, officeNotFound } from './errors';
import { readableOfficeId, type NewOffice } from './office-input';
import { currentRequestId } from './request-context';
import {
  activeNodes,
  allowedEvents,
  enteredAtAfter,
  fromStored,
  initialSnapshot,
  leafPaths,
  nextSnapshot,
  stageOf,
  toStored,
  type ActiveNode,
  type OfficeSnapshot,
} from './snapshot';

/** Everything one committed change did; handed to the hooks. */
export interface TransitionRecord {
  office: OfficeRecord;
  /** The office row before this change; null for a registration. */
  previous: OfficeRecord | null;
  entry: HistoryEntry;
  /** The event `apply` took (none for a registration); `entry` holds what was stored of it. */
  event?: OfficeEvent;
  before: OfficeSnapshot | null;
  after: OfficeSnapshot;
  entered: ActiveNode[];
  exited: string[];
  at: Date;
  /** `performance.now()` when the office was loaded, for the load-to-commit duration metric. */
  startedAt?: number;
}

/**
 * Extension points. `inTransaction` writes what must commit with the transition (timers, outbox
 * rows); throwing there aborts it. `afterCommit` tells the outside world (live streams, inspection);
 * by then the change is on disk, so a hook that throws is reported to `onHookError` and changes
 * neither the answer nor the other hooks.
 */
export interface EngineHooks {
  inTransaction?(record: TransitionRecord): void | Promise<void>;
  afterCommit?(record: TransitionRecord): void;
  /** Once per committed outermost transaction, with every record it committed (never empty). */
  afterCommitBatch?(records: readonly TransitionRecord[]): void;
}

export interface ApplyOptions {
  actor: string;
  expectedVersion?: number;
  /** Time of the event; defaults to the clock. Imports pass historical times. */
  at?: Date;
  /** Stored with the history row; defaults to the request context's id (engine/request-context.ts). */
  requestId?: string;
}

export interface EngineOptions {
  store: OfficeStore;
  clock?: Clock;
  hooks?: EngineHooks[];
  /** Id of an office registered without one; by default a readable one (`readableOfficeId`). */
  newId?: () => string;
  /** Told of an `afterCommit` hook that threw; defaults to a process warning. */
  onHookError?: HookErrorHandler;
}

export type HookErrorHandler = (error: unknown, record: TransitionRecord) => void;

const warnHookError: HookErrorHandler = (error, record) =>
  process.emitWarning(
    `after-commit hook failed for office ${record.office.id} at version ${record.office.version}: ${error instanceof Error ? error.message : String(error)}`,
  );

export const REGISTERED = 'REGISTERED';

export class Engine {
  readonly store: OfficeStore;
  readonly clock: Clock;
  private readonly hooks: EngineHooks[];
  private readonly newId: (() => string) | undefined;
  /** Where a failing `afterCommit` hook is reported (the server points it at its log). */
  onHookError: HookErrorHandler;
  /** The records of the outermost transaction the current flow is in: none is shared between two. */
  private readonly open = new AsyncLocalStorage<TransitionRecord[]>();

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.hooks = options.hooks ?? [];
    this.newId = options.newId;
    this.onHookError = options.onHookError ?? warnHookError;
  }

  addHooks(hooks: EngineHooks): void {
    this.hooks.push(hooks);
  }

  /**
   * Runs `work` as one transaction; nested calls run in a savepoint of the outer one and roll back
   * alone. After-commit hooks run only once the outermost transaction has committed, and not at all
   * if it rolls back.
   */
  async transact<T>(work: () => Promise<T> | T): Promise<T> {
    const outer = this.open.getStore();
    if (outer) {
      const mark = outer.length;
      try {
        return await this.store.transaction(work);
      } catch (error) {
        // A rolled-back savepoint must not announce what it did.
        outer.length = mark;
        throw error;
      }
    }
    const records: TransitionRecord[] = [];
    const result = await this.open.run(records, () => this.store.transaction(work));
    for (const record of records) for (const hook of this.hooks) this.announce(hook, record);
    if (records.length > 0) for (const hook of this.hooks) this.announceBatch(hook, records);
    return result;
  }

  async register(input: NewOffice, options: { actor: string; at?: Date; requestId?: string }): Promise<OfficeRecord> {
    const startedAt = performance.now();
    const at = options.at ?? this.clock.now();
    const iso = at.toISOString();
    const snapshot = initialSnapshot({ track: input.track });
    const nodes = activeNodes(snapshot.value);
    const office: OfficeRecord = {
      id: input.id ?? this.newId?.() ?? await readableOfficeId(input.name, input.country, async (id) => (await this.store.getOffice(id)) !== undefined),
      name: input.name,
      country: input.country,
      city: input.city ?? null,
      language: input.language,
      track: input.track,
      contacts: input.contacts,
      stage: stageOf(snapshot.value),
      states: leafPaths(snapshot.value),
      snapshot: toStored(snapshot),
      enteredAt: enteredAtAfter({}, nodes, iso),
      machineVersion: OFFICE_MACHINE_VERSION,
      version: 0,
      createdAt: iso,
      updatedAt: iso,
    };
    const entry: HistoryEntry = {
      officeId: office.id,
      seq: 0,
      type: REGISTERED,
      payload: { track: office.track },
      from: [],
      to: office.states,
      actor: options.actor,
      at: iso,
      requestId: options.requestId ?? currentRequestId() ?? null,
    };
    return await this.transact(async () => {
      if (await this.store.getOffice(office.id)) {
        throw new EngineError('office_exists', `An office with id "${office.id}" already exists.`, { id: office.id });
      }
      await this.store.insertOffice(office, nodes);
      await this.store.appendHistory(entry);
      await this.record({ office, previous: null, entry, before: null, after: snapshot, entered: nodes, exited: [], at, startedAt });
      return office;
    });
  }

  /** Takes one event for one office: load, pure `transition()`, persist. All or nothing. */
  async apply(officeId: string, event: OfficeEvent, options: ApplyOptions): Promise<TransitionRecord> {
    const at = options.at ?? this.clock.now();
    const startedAt = performance.now();
    return await this.transact(async () => {
      const office = await this.store.getOfficeForUpdate(officeId);
      if (!office) throw officeNotFound(officeId);
      if (options.expectedVersion !== undefined && options.expectedVersion !== office.version) {
        throw versionMismatch(office, options.expectedVersion);
      }
      const before = fromStored(office.snapshot);
      // Computed once: `nextSnapshot` answers `before` itself when no transition is enabled, and
      // only then is `can` asked (an action-only transition, DETAILS_UPDATED, also leaves it as is).
      const after = before.status === 'active' ? nextSnapshot(before, event) : before;
      if (before.status !== 'active' || (after === before && !before.can(event))) {
        const allowed = allowedEvents(before);
        throw new EngineError(
          'event_not_allowed',
          `Office "${officeId}" is in ${office.states.join(' + ')} and cannot take ${event.type} now.`,
          { states: office.states, allowedEvents: allowed, version: office.version },
        );
      }
      const iso = at.toISOString();
      const beforeNodes = activeNodes(before.value);
      const afterNodes = activeNodes(after.value);
      const beforePaths = new Set(beforeNodes.map((n) => n.path));
      const afterPaths = new Set(afterNodes.map((n) => n.path));
      const entered = afterNodes.filter((n) => !beforePaths.has(n.path));
      const exited = beforeNodes.filter((n) => !afterPaths.has(n.path)).map((n) => n.path);

      const updated: OfficeRecord = {
        ...office,
        ...(event.type === 'DETAILS_UPDATED' ? detailsOf(event) : {}),
        stage: stageOf(after.value),
        states: leafPaths(after.value),
        snapshot: toStored(after),
        enteredAt: enteredAtAfter(office.enteredAt, afterNodes, iso),
        machineVersion: OFFICE_MACHINE_VERSION,
        version: office.version + 1,
        updatedAt: iso,
      };
      const details = event.type === 'DETAILS_UPDATED' ? updated : undefined;
      if (!await this.store.updateOfficeState({ ...updated, details })) throw versionMismatch(office, office.version);
      await this.store.replaceActiveNodes(officeId, exited, entered, iso);
      const { type, ...payload } = event;
      const entry: HistoryEntry = {
        officeId,
        seq: updated.version,
        type,
        payload,
        from: office.states,
        to: updated.states,
        actor: options.actor,
        at: iso,
        requestId: options.requestId ?? currentRequestId() ?? null,
      };
      await this.store.appendHistory(entry);
      const record: TransitionRecord = { office: updated, previous: office, entry, event, before, after, entered, exited, at, startedAt };
      await this.record(record);
      return record;
    });
  }

  private announce(hook: EngineHooks, record: TransitionRecord): void {
    try {
      hook.afterCommit?.(record);
    } catch (error) {
      try {
        this.onHookError(error, record);
      } catch {
        // The reporter itself failed: the change is committed all the same.
      }
    }
  }

  private announceBatch(hook: EngineHooks, records: TransitionRecord[]): void {
    try {
      hook.afterCommitBatch?.(records);
    } catch (error) {
      try {
        this.onHookError(error, records[records.length - 1]!);
      } catch {
        // As in announce: the batch is committed whatever its reporters do.
      }
    }
  }

  private async record(record: TransitionRecord): Promise<void> {
    for (const hook of this.hooks) {
      // Most hooks have nothing to write for most events and answer at once: no turn of the queue for those.
      const pending = hook.inTransaction?.(record);
      if (pending) await pending;
    }
    this.open.getStore()!.push(record);
  }
}

/** The fields a DETAILS_UPDATED event sets (absent ones stay as they are). */
function detailsOf(event: Extract<OfficeEvent, { type: 'DETAILS_UPDATED' }>): Partial<OfficeRecord> {
  const { type: _type, ...fields } = event;
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<OfficeRecord>;
}

function versionMismatch(office: OfficeRecord, expected: number): EngineError {
  return new EngineError(
    'version_mismatch',
    `Office "${office.id}" is at version ${office.version}, not ${expected}: someone changed it first. Reload and try again.`,
    { expectedVersion: expected, currentVersion: office.version },
  );
}
