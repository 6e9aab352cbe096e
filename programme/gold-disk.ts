import { z } from 'zod';
import { EngineError } from '../engine/errors';
import { createBroadcast, officesIn, runBroadcast, type BroadcastView, type RunOptions } from './broadcast';
import type { ActorOptions, ProgrammeContext } from './context';

/** Offices that a hold stops: the kit is not yet installed. */
export const HOLDABLE_STATES = ['deployment.awaitingKit', 'deployment.inTransit'];
export const ON_HOLD_STATE = 'deployment.onHold';

export const goldDiskVersionSchema = z.string().trim().min(1).max(50);
export const releaseSchema = z.object({ version: goldDiskVersionSchema, notes: z.string().trim().max(5000).default('') });
export const reasonSchema = z.object({ reason: z.string().trim().min(1).max(2000) });

export interface GoldDiskOperation<T> {
  goldDisk: T;
  broadcast: BroadcastView;
}

export function listGoldDisks(ctx: ProgrammeContext) {
  const shipped = ctx.programme.shipmentsByVersion();
  return {
    current: ctx.programme.currentGoldDisk(),
    versions: ctx.programme.listGoldDisks().map((v) => ({ ...v, kitsShipped: shipped[v.version] ?? 0 })),
    onHold: officesIn(ctx, [ON_HOLD_STATE]).length,
  };
}

/**
 * Releases a new Gold Disk version: it becomes current (the previous one is superseded), and every
 * office on hold gets GOLD_DISK_RELEASED through a broadcast.
 */
export function releaseGoldDisk(
  ctx: ProgrammeContext,
  input: { version: string; notes?: string },
  options: ActorOptions & RunOptions,
): GoldDiskOperation<ReturnType<ProgrammeContext['programme']['getGoldDisk']>> {
  const version = input.version.trim();
  const broadcast = ctx.engine.unitOfWork(() => {
    if (ctx.programme.getGoldDisk(version)) {
      throw new EngineError('conflict', `Gold Disk version "${version}" has already been released.`, { version });
    }
    ctx.programme.releaseGoldDisk(version, input.notes ?? '', ctx.engine.clock.now().toISOString());
    return createBroadcast(
      ctx,
      {
        kind: 'release',
        event: { type: 'GOLD_DISK_RELEASED', version },
        description: `Gold Disk ${version} released: deployment resumes for the offices on hold`,
        officeIds: officesIn(ctx, [ON_HOLD_STATE]),
      },
      options,
    );
  });
  return { goldDisk: ctx.programme.getGoldDisk(version), broadcast: runBroadcast(ctx, broadcast.id, options) };
}

/** Recalls a version; every office awaiting or receiving a kit is held until the next release. */
export function recallGoldDisk(
  ctx: ProgrammeContext,
  input: { version: string; reason: string },
  options: ActorOptions & RunOptions,
): GoldDiskOperation<ReturnType<ProgrammeContext['programme']['getGoldDisk']>> {
  const version = input.version.trim();
  const broadcast = ctx.engine.unitOfWork(() => {
    const disk = ctx.programme.getGoldDisk(version);
    if (!disk) throw new EngineError('not_found', `No Gold Disk version "${version}".`, { version });
    if (disk.status === 'recalled') throw new EngineError('conflict', `Gold Disk ${version} is already recalled.`, { version });
    ctx.programme.recallGoldDisk(version, input.reason, ctx.engine.clock.now().toISOString());
    return holdBroadcast(ctx, `Gold Disk ${version} recalled: ${input.reason}`, options);
  });
  return { goldDisk: ctx.programme.getGoldDisk(version), broadcast: runBroadcast(ctx, broadcast.id, options) };
}

/** Holds every office awaiting or receiving a kit, without a recall (e.g. a new version is being prepared). */
export function declareHold(ctx: ProgrammeContext, input: { reason: string }, options: ActorOptions & RunOptions): BroadcastView {
  const broadcast = ctx.engine.unitOfWork(() => holdBroadcast(ctx, input.reason, options));
  return runBroadcast(ctx, broadcast.id, options);
}

function holdBroadcast(ctx: ProgrammeContext, reason: string, options: ActorOptions) {
  return createBroadcast(
    ctx,
    {
      kind: 'hold',
      event: { type: 'DEPLOYMENT_HELD', reason: reason.slice(0, 2000) },
      description: `Deployment held: ${reason}`,
      officeIds: officesIn(ctx, HOLDABLE_STATES),
    },
    options,
  );
}

/** The offices a hold (or a recall) would stop now, for its preview: they await or receive a kit. */
export function previewHold(ctx: ProgrammeContext): { id: string; name: string; country: string; states: string[] }[] {
  return officesIn(ctx, HOLDABLE_STATES).flatMap((id) => {
    const office = ctx.store.getOffice(id);
    return office ? [{ id, name: office.name, country: office.country, states: office.states }] : [];
  });
}
