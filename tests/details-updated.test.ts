import { DateTime } from 'luxon';
import { verify } from '../engine/verify';
import { parseOfficeEvent } from '../machines/events';
import { importOfficesCsv } from '../programme/csv-import';
import { openFixture, type ProgrammeFixture } from './programme-fixture';
import { sqliteDb } from './helpers/sqlite';

/** Office details change through the engine: versioned, in history, announced, clocks re-timed; verify replays it. */

// Monday 2 March 2026, 13:00 UTC: 14:00 in Paris, 22:00 in Tokyo.
const T0 = '2026-03-02T13:00:00.000Z';
const CSV = (country: string, name = 'Patent Office') => `id,name,country\nIPO-1,${name},${country}\n`;

let fx: ProgrammeFixture;
beforeEach(async () => {
  fx = await openFixture(T0);
});
afterEach(() => fx.close());

const clockOf = async (state: string) => (await fx.runtime.reminders.store.clocks('IPO-1')).find((c) => c.state === state)!;
const localHour = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).hour;

test('a country change is one DETAILS_UPDATED transition, announced, and the pending reminder moves to the new zone’s business hours', async () => {
  await importOfficesCsv(fx.runtime, CSV('FR'), { actor: 'admin' });
  await fx.runtime.engine.apply('IPO-1', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
  const before = await clockOf('invited');
  // 30 days later at 13:00 UTC: inside Paris business hours, so due at the deadline itself.
  expect(before.next_reminder_at).toBe(before.deadline);
  expect(localHour(before.next_reminder_at!, 'Asia/Tokyo')).toBeGreaterThanOrEqual(17);

  const announced: string[] = [];
  fx.runtime.engine.addHooks({ afterCommit: (r) => announced.push(`${r.office.id} ${r.entry.type} v${r.office.version}`) });
  const result = await importOfficesCsv(fx.runtime, CSV('JP', 'Japan Patent Office'), { actor: 'admin' });
  expect(result.offices[0]).toMatchObject({ action: 'updated', changes: ['name', 'country'] });

  const office = (await fx.runtime.store.getOffice('IPO-1'))!;
  expect(office).toMatchObject({ name: 'Japan Patent Office', country: 'JP', version: 2, states: ['invited'] });
  expect((await fx.runtime.store.history('IPO-1')).at(-1)).toMatchObject({
    seq: 2,
    type: 'DETAILS_UPDATED',
    payload: { name: 'Japan Patent Office', country: 'JP' },
    actor: 'admin',
    from: ['invited'],
    to: ['invited'],
  });
  expect(announced).toEqual(['IPO-1 DETAILS_UPDATED v2']);

  const after = await clockOf('invited');
  expect(after.deadline).toBe(before.deadline); // a duration SLA does not depend on the zone
  expect(Date.parse(after.next_reminder_at!)).toBeGreaterThan(Date.parse(before.next_reminder_at!));
  const tokyo = localHour(after.next_reminder_at!, 'Asia/Tokyo');
  expect(tokyo).toBeGreaterThanOrEqual(9);
  expect(tokyo).toBeLessThan(17);

  const report = await verify(fx.runtime.store);
  expect(report.differences).toEqual([]);
});

test('the same file again changes nothing; a withdrawn office’s details are a bad line, and nothing is imported', async () => {
  await importOfficesCsv(fx.runtime, CSV('FR'), { actor: 'admin' });
  expect(await importOfficesCsv(fx.runtime, CSV('FR'), { actor: 'admin' })).toMatchObject({ unchanged: 1 });
  expect((await fx.runtime.store.getOffice('IPO-1'))!.version).toBe(0);
  await fx.runtime.engine.apply('IPO-1', { type: 'WITHDRAWN', reason: 'Left the programme.' }, { actor: 'test' });
  await expect(importOfficesCsv(fx.runtime, `${CSV('DE')}NEW-1,New office,FR\n`, { actor: 'admin' })).rejects.toThrow(/line 2: office "IPO-1" is withdrawn: its details can no longer change/);
  expect((await fx.runtime.store.getOffice('IPO-1'))!.country).toBe('FR');
  expect(await fx.runtime.store.getOffice('NEW-1')).toBeUndefined();
});

test('DETAILS_UPDATED on its own: the payload is validated, an empty one refused', async () => {
  expect(parseOfficeEvent({ type: 'DETAILS_UPDATED' }).ok).toBe(false);
  expect(parseOfficeEvent({ type: 'DETAILS_UPDATED', country: 'XX' }).ok).toBe(false);
  expect(parseOfficeEvent({ type: 'DETAILS_UPDATED', country: 'jp' })).toEqual({ ok: true, event: { type: 'DETAILS_UPDATED', country: 'JP' } });
  await importOfficesCsv(fx.runtime, CSV('FR'), { actor: 'admin' });
  await expect(fx.runtime.engine.apply('IPO-1', { type: 'DETAILS_UPDATED', city: 'Lyon' }, { actor: 'test' })).resolves.toBeDefined();
  expect(await fx.runtime.store.getOffice('IPO-1')).toMatchObject({ city: 'Lyon', country: 'FR', name: 'Patent Office', version: 1 });
});

test('verify reads history payloads through the event schemas: one that does not fit is a difference', async () => {
  await importOfficesCsv(fx.runtime, CSV('FR'), { actor: 'admin' });
  await fx.runtime.engine.apply('IPO-1', { type: 'SEND_CIRCULAR', letterRef: 'C.1' }, { actor: 'test' });
  expect((await verify(fx.runtime.store)).differences).toEqual([]);
  // The machine ignores letterRef, so a cast replay would not notice a number stored in its place.
  sqliteDb(fx.runtime).prepare(`UPDATE history SET payload = '{"letterRef":123}' WHERE office_id = 'IPO-1' AND seq = 1`).run();
  const { differences } = await verify(fx.runtime.store);
  expect(differences).toHaveLength(1);
  expect(JSON.stringify(differences[0])).toContain('does not fit its schema');
});
