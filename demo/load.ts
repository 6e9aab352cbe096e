import type { Runtime } from '../app/runtime';
import { runSchedulerPass } from '../reminders/scheduler';
import { generateDemoData } from './generate';

const DAY = 86_400_000;
/** The replayed server "stopped" this long ago: the first start fires what fell due since, a handful. */
const LAST_PASS_AGO = 2 * DAY;

/**
 * Loads the demo programme into an empty database; returns null and changes nothing otherwise.
 * The history is replayed as if the server had run all along: workshops and Gold Disk versions
 * first, then the events in time order with a reminder scheduler pass every day up to two days
 * before now, so the SLA clocks carry the reminders and escalations already sent, and the mail
 * of those passes is recorded as sent. What falls due in the last two days is left to the first pass.
 */
export async function loadDemoData(runtime: Runtime): Promise<{ offices: number; events: number; workshops: number; goldDisks: number } | null> {
  const { engine, store, programme } = runtime;
  if ((await store.listOffices({ limit: 1 })).total > 0) return null;
  const now = engine.clock.now();
  const data = generateDemoData(now);
  const reminders = runtime.reminders.reminders;
  await engine.transact(async () => {
    for (const disk of data.goldDisks) await programme.releaseGoldDisk(disk.version, disk.notes, disk.releasedAt.toISOString());
    for (const w of data.workshops) await programme.upsertWorkshop(w);
    for (const { registeredAt, ...office } of data.offices) await engine.register(office, { actor: 'demo', at: registeredAt });
    const first = data.events[0]?.at.getTime() ?? now.getTime();
    let next = 0;
    for (let tick = now.getTime() - Math.ceil((now.getTime() - first) / DAY) * DAY; tick <= now.getTime() - LAST_PASS_AGO; tick += DAY) {
      for (; next < data.events.length && data.events[next]!.at.getTime() <= tick; next++) {
        const { officeId, event, at } = data.events[next]!;
        await engine.apply(officeId, event, { actor: 'demo', at });
      }
      await runSchedulerPass(engine, reminders, new Date(tick));
    }
    for (; next < data.events.length; next++) {
      const { officeId, event, at } = data.events[next]!;
      await engine.apply(officeId, event, { actor: 'demo', at });
    }
    await runtime.storage.demo.markPastMailSent(new Date(now.getTime() - LAST_PASS_AGO).toISOString());
  });
  return { offices: data.offices.length, events: data.events.length, workshops: data.workshops.length, goldDisks: data.goldDisks.length };
}
