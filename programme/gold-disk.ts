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

export async function listGoldDisks(ctx: ProgrammeContext) {
  const shipped = await ctx.programme.shipmentsByVersion();
  return {
    current: await ctx.programme.currentGoldDisk(),
    versions: (await ctx.programme.listGoldDisks()).map((v) => ({ ...v, kitsShipped: shipped[v.version] ?? 0 })),
    onHold: (await officesIn(ctx, [ON_HOLD_STATE])).length,
  };
}

/**
 * Releases a new Gold Disk version: it becomes current (the previous one is superseded), and every
 * office on hold gets GOLD_DISK_RELEASED through a broadcast.
 */
export async function releaseGoldDisk(
  ctx: ProgrammeContext,
  input: { version: string; notes?: string },
  options: ActorOptions & RunOptions,
): Promise<GoldDiskOperation<Awaited<ReturnType<ProgrammeContext['programme']['getGoldDisk']>>>> {
  const version = input.version.trim();
  const broadcast = await ctx.engine.transact(async () => {
    if (await ctx.programme.getGoldDisk(version)) {
      throw new EngineError('conflict', `Gold Disk version "${version}" has already been released.`, { version });
    }
    await ctx.programme.releaseGoldDisk(version, input.notes ?? '', ctx.engine.clock.now().toISOString());
    return await createBroadcast(
      ctx,
      {
        kind: 'release',
        event: { type: 'GOLD_DISK_RELEASED', version },
        description: `Gold Disk ${version} released: deployment resumes for the offices on hold`,
        officeIds: await officesIn(ctx, [ON_HOLD_STATE]),
      },
      options,
    );
  });
  return { goldDisk: await ctx.programme.getGoldDisk(version), broadcast: await runBroadcast(ctx, broadcast.id, options) };
}

/** Recalls a version; every office awaiting or receiving a kit is held until the next release. */
export async function recallGoldDisk(
  ctx: ProgrammeContext,
  input: { version: string; reason: string },
  options: ActorOptions & RunOptions,
): Promise<GoldDiskOperation<Awaited<ReturnType<ProgrammeContext['programme']['getGoldDisk']>>>> {
  const version = input.version.trim();
  const broadcast = await ctx.engine.transact(async () => {
    const disk = await ctx.programme.getGoldDisk(version);
    if (!disk) throw new EngineError('not_found', `No Gold Disk version "${version}".`, { version });
    if (disk.status === 'recalled') throw new EngineError('conflict', `Gold Disk ${version} is already recalled.`, { version });
    await ctx.programme.recallGoldDisk(version, input.reason, ctx.engine.clock.now().toISOString());
    return await holdBroadcast(ctx, `Gold Disk ${version} recalled: ${input.reason}`, options);
  });
  return { goldDisk: await ctx.programme.getGoldDisk(version), broadcast: await runBroadcast(ctx, broadcast.id, options) };
}

/** Holds every office awaiting or receiving a kit, without a recall (e.g. a new version is being prepared). */
export async function declareHold(ctx: ProgrammeContext, input: { reason: string }, options: ActorOptions & RunOptions): Promise<BroadcastView> {
  const broadcast = await ctx.engine.transact(() => holdBroadcast(ctx, input.reason, options));
  return await runBroadcast(ctx, broadcast.id, options);
}

async function holdBroadcast(ctx: ProgrammeContext, reason: string, options: ActorOptions) {
  return await createBroadcast(
    ctx,
    {
      kind: 'hold',
      event: { type: 'DEPLOYMENT_HELD', reason: reason.slice(0, 2000) },
      description: `Deployment held: ${reason}`,
      officeIds: await officesIn(ctx, HOLDABLE_STATES),
    },
    options,
  );
}

/** The offices a hold (or a recall) would stop now, for its preview: they await or receive a kit. */
export async function previewHold(ctx: ProgrammeContext): Promise<{ id: string; name: string; country: string; states: string[] }[]> {
  const offices = [];
  for (const id of await officesIn(ctx, HOLDABLE_STATES)) {
    const office = await ctx.store.getOffice(id);
    if (office) offices.push({ id, name: office.name, country: office.country, states: office.states });
  }
  return offices;
}
