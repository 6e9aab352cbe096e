import { randomUUID } from 'node:crypto';
import { EngineError } from '../engine/errors';
import { parseOfficeEvent, type OfficeEvent } from '../machines/events';
import type { Broadcast, BroadcastRow, BroadcastRowStatus } from '../storage/programme-store';
import type { ProgrammeContext } from './context';

/**
 * A broadcast sends one event to many offices. Its targets are fixed, as `pending` rows, in the
 * transaction that creates it; then each office is processed in its own transaction, which applies
 * the event through the engine *and* marks the row `done`. A crash leaves every row either done
 * (event applied) or pending (nothing applied), so running the broadcast again finishes the
 * remainder and repeats nothing. An office that can no longer take the event is `skipped`; any
 * other refusal is `failed`; both are recorded with the reason.
 */
export interface NewBroadcast {
  kind: string;
  event: OfficeEvent;
  description: string;
  officeIds: string[];
}

export interface BroadcastView extends Broadcast {
  /** Being processed by this process now (a background run): reload for progress. */
  running: boolean;
  counts: Record<BroadcastRowStatus, number>;
  total: number;
  offices: (BroadcastRow & { name: string | null; country: string | null })[];
}

export interface RunOptions {
  /** Process at most this many offices in this run (the rest stay pending). */
  limit?: number;
  /** Called after each office's transaction has committed; tests use it to simulate a crash. */
  afterOffice?(row: { officeId: string; status: BroadcastRowStatus }): void;
  /**
   * Holds the broadcast's lease for `owner` while it runs, renewed before each batch, so that the
   * resumers of other processes (programme/broadcast-resumer.ts) leave it alone until it stops.
   */
  lease?: { owner: string; ms: number };
}

export async function createBroadcast(ctx: ProgrammeContext, spec: NewBroadcast, options: { actor: string }): Promise<Broadcast> {
  const broadcast: Broadcast = {
    id: `bc-${randomUUID()}`,
    kind: spec.kind,
    event: spec.event as Broadcast['event'],
    description: spec.description,
    actor: options.actor,
    createdAt: ctx.engine.clock.now().toISOString(),
    finishedAt: null,
  };
  await ctx.engine.transact(() => ctx.programme.createBroadcast(broadcast, [...new Set(spec.officeIds)]));
  return broadcast;
}

async function loadBroadcast(ctx: ProgrammeContext, id: string): Promise<Broadcast> {
  const b = await ctx.programme.getBroadcast(id);
  if (!b) throw new EngineError('not_found', `No broadcast with id "${id}".`, { id });
  return b;
}

/**
 * The offices processed between two yields to the event loop in a background run: each is one
 * transaction (an fsync), so a batch holds the server for a few tens of milliseconds at most.
 */
export const YIELD_EVERY = 20;

/** Background runs of this process, by broadcast id: a second start joins the first. */
const running = new Map<string, Promise<BroadcastView>>();

/** The lease of this process's background runs: renewed every batch, so a minute outlasts any stall but a dead server's. */
export const BROADCAST_LEASE = { owner: `broadcasts-${process.pid}-${randomUUID().slice(0, 8)}`, ms: 60_000 };

export const isRunningHere = (id: string): boolean => running.has(id);

/** The run itself, one batch of offices per step; the caller decides whether to pause between steps. */
async function* steps(ctx: ProgrammeContext, id: string, options: RunOptions): AsyncGenerator<void, BroadcastView> {
  const broadcast = await loadBroadcast(ctx, id);
  const parsed = parseOfficeEvent(broadcast.event);
  if (!parsed.ok) throw new EngineError('invalid_input', `Broadcast "${id}" holds an invalid event: ${parsed.message}`);
  const event = parsed.event;
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  while (budget > 0) {
    if (options.lease) {
      const now = ctx.engine.clock.now();
      // Refused only when another process took an expired lease; both runs are still safe, each
      // office being taken in its own transaction, once.
      await ctx.programme.leaseBroadcast(id, options.lease.owner, now.toISOString(), new Date(now.getTime() + options.lease.ms).toISOString());
    }
    const rows = await ctx.programme.pendingRows(id, Math.min(YIELD_EVERY, budget));
    if (rows.length === 0) break;
    for (const row of rows) {
      budget--;
      const status = await processOne(ctx, broadcast, event, row);
      if (status) options.afterOffice?.({ officeId: row.officeId, status });
    }
    yield;
  }
  await ctx.engine.transact(() => ctx.programme.finishBroadcast(id, ctx.engine.clock.now().toISOString()));
  return await broadcastView(ctx, id);
}

/** Processes the pending offices of a broadcast, each in its own transaction, in one go (CLI). Safe to call again at any time. */
export async function runBroadcast(ctx: ProgrammeContext, id: string, options: RunOptions = {}): Promise<BroadcastView> {
  const run = steps(ctx, id, options);
  for (;;) {
    const step = await run.next();
    if (step.done) return step.value;
  }
}

/**
 * The same run as background work for the server: it yields to the event loop after every
 * `YIELD_EVERY` offices, so requests, heartbeats and live streams carry on meanwhile, and
 * `GET /api/broadcasts/:id` shows the counts moving. Resolves with the finished broadcast.
 */
export async function runBroadcastInBackground(ctx: ProgrammeContext, id: string, options: RunOptions = {}): Promise<BroadcastView> {
  const existing = running.get(id);
  if (existing) return existing;
  // Registered before the first await, so that a second start in the meantime joins this one.
  const promise: Promise<BroadcastView> = (async () => {
    const run = steps(ctx, id, { lease: BROADCAST_LEASE, ...options });
    for (;;) {
      const step = await run.next();
      if (step.done) return { ...step.value, running: false };
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })().finally(() => running.delete(id));
  running.set(id, promise);
  return promise;
}

/** One office: the event and its row in one transaction. Returns null if another run got there first. */
async function processOne(
  ctx: ProgrammeContext,
  broadcast: Broadcast,
  event: OfficeEvent,
  row: { position: number; officeId: string },
): Promise<BroadcastRowStatus | null> {
  try {
    return await ctx.engine.transact(async () => {
      const at = ctx.engine.clock.now();
      if (!await ctx.programme.isPending(broadcast.id, row.position)) return null;
      const record = await ctx.engine.apply(row.officeId, event, { actor: broadcast.actor, at });
      await ctx.programme.finishRow(broadcast.id, row.position, 'done', null, record.office.version, at.toISOString());
      return 'done' as const;
    });
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    const status = error.code === 'event_not_allowed' || error.code === 'office_not_found' ? 'skipped' : 'failed';
    const marked = await ctx.engine.transact(() =>
      ctx.programme.finishRow(broadcast.id, row.position, status, error.message, null, ctx.engine.clock.now().toISOString()),
    );
    return marked ? status : null;
  }
}

export async function broadcastView(ctx: ProgrammeContext, id: string): Promise<BroadcastView> {
  const broadcast = await loadBroadcast(ctx, id);
  const counts = await ctx.programme.broadcastCounts(id);
  const offices = [];
  for (const r of await ctx.programme.broadcastRows(id)) {
    const office = await ctx.store.getOffice(r.officeId);
    offices.push({ ...r, name: office?.name ?? null, country: office?.country ?? null });
  }
  return { ...broadcast, running: running.has(id), counts, total: offices.length, offices };
}

/** Broadcasts, newest first, with their counts. */
export async function listBroadcasts(ctx: ProgrammeContext, limit = 50) {
  const broadcasts = [];
  for (const b of await ctx.programme.listBroadcasts(limit)) {
    const counts = await ctx.programme.broadcastCounts(b.id);
    broadcasts.push({ ...b, counts, total: counts.pending + counts.done + counts.skipped + counts.failed });
  }
  return broadcasts;
}

/** Broadcasts a crash or a limit left with pending offices. */
export async function unfinishedBroadcasts(ctx: ProgrammeContext) {
  return (await listBroadcasts(ctx, 1000)).filter((b) => b.finishedAt === null);
}

/** Offices whose active states include any of `paths`, in id order. */
export async function officesIn(ctx: ProgrammeContext, paths: string[]): Promise<string[]> {
  return await ctx.programme.officesIn(paths);
}
