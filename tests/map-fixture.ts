import { fixedClock } from '../engine/clock';
import { PATH, seedOffice } from './helpers/browser';
import { startServer, type TestServer } from './helpers/server';

const DAY = 86_400_000;

/**
 * A small programme over five countries whose map figures are known: Kenya three offices (two
 * invited long ago, so stalled, one preparing since today), Brazil a declined and an installed office, France a
 * prospect, Japan an office invited today (not stalled), Singapore one office (too small to draw).
 */
export async function startMapServer(): Promise<TestServer> {
  const clock = fixedClock(new Date(Date.now() - 120 * DAY));
  const server = await startServer({ runtime: { clock } });
  const rt = server.runtime;
  await seedOffice(rt, 'KE-1', PATH.invited, { country: 'KE', name: 'Kenya Industrial Property Institute' });
  await seedOffice(rt, 'KE-2', PATH.invited, { country: 'KE', name: 'Kenya Copyright Board' });
  await seedOffice(rt, 'BR-1', PATH.declined, { country: 'BR' });
  await seedOffice(rt, 'BR-2', PATH.installed, { country: 'BR' });
  await seedOffice(rt, 'FR-1', [], { country: 'FR' });
  await seedOffice(rt, 'SG-1', PATH.preparing, { country: 'SG' });
  clock.advance(120 * DAY);
  await seedOffice(rt, 'KE-3', PATH.preparing, { country: 'KE', name: 'Kenya Trademarks Registry' });
  await seedOffice(rt, 'JP-1', PATH.invited, { country: 'JP' });
  return server;
}
