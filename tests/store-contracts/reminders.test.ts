/** ReminderStore and WorkshopCalendar: the same answers from storage/ and storage/postgres/. */
import type { ClockRow, FiredTimer } from '../../storage/reminder-store';
import { officeRecord } from './backends';
import { at, forEachReminderBackend, gate, type Backend } from './reminder-backends';

const clock = (officeId: string, state: string, extra: Partial<ClockRow> = {}): ClockRow => ({
  office_id: officeId,
  state,
  entry_seq: 3,
  stage: state.split('.')[0]!,
  owner: 'office',
  entered_at: at(3, 1),
  deadline: at(3, 10),
  paused_at: null,
  reminders_sent: 0,
  next_reminder_at: null,
  escalated_at: null,
  next_level: null,
  next_nominal_at: null,
  ...extra,
});

const due = (officeId: string, state: string, when: string, level = 1): ClockRow =>
  clock(officeId, state, { next_reminder_at: when, next_nominal_at: at(3, 2), next_level: level });

const fired = (officeId: string, state: string, level: number, extra: Partial<FiredTimer> = {}): FiredTimer => ({
  office_id: officeId,
  state,
  entry_seq: 3,
  level,
  kind: 'reminder',
  nominal_at: at(3, 2),
  due_at: at(3, 2, 10, 0, 5),
  created_at: at(3, 2, 11),
  fired_at: at(3, 2, 11),
  ...extra,
});

async function offices(b: Backend, ...ids: string[]) {
  for (const id of ids) await b.offices.insertOffice(officeRecord(id, at(3, 1)), [{ path: 'prospect', isLeaf: true }]);
}

forEachReminderBackend('ReminderStore', (backend, kind) => {
  let b: Backend;
  beforeEach(async () => {
    b = backend();
    await offices(b, 'O-1', 'O-2', 'O-3');
  });

  test('clocks: insert replaces, listed by state byte-wise, deleted', async () => {
    const r = b.reminders;
    expect(await r.clock('O-1', 'a')).toBeUndefined();
    await r.insertClock(clock('O-1', 'b.x'));
    await r.insertClock(clock('O-1', 'B.y', { owner: 'wipo' }));
    await r.insertClock(clock('O-1', 'a', { paused_at: at(3, 4, 8, 30, 250) }));
    await r.insertClock(clock('O-2', 'A'));
    expect((await r.clocks('O-1')).map((c) => c.state)).toEqual(['B.y', 'a', 'b.x']);
    const replaced = due('O-1', 'b.x', at(3, 5, 7, 0, 999), 2);
    await r.insertClock({ ...replaced, entry_seq: 9, reminders_sent: 1, escalated_at: at(3, 6) });
    expect(await r.clock('O-1', 'b.x')).toEqual({ ...replaced, entry_seq: 9, reminders_sent: 1, escalated_at: at(3, 6) });
    expect(await r.clock('O-1', 'a')).toEqual(clock('O-1', 'a', { paused_at: at(3, 4, 8, 30, 250) }));
    await r.deleteClock('O-1', 'B.y');
    expect((await r.clocks('O-1')).map((c) => c.state)).toEqual(['a', 'b.x']);
    expect((await r.clocks('O-2')).map((c) => c.state)).toEqual(['A']);
  });

  test('due clocks earliest first up to the limit; earliestDue; none due answers null', async () => {
    const r = b.reminders;
    expect(await r.earliestDue(at(3, 20))).toBeNull();
    await r.insertClock(due('O-1', 'a', at(3, 5, 9, 0, 2)));
    await r.insertClock(due('O-2', 'b', at(3, 5, 9, 0, 1)));
    await r.insertClock(due('O-3', 'c', at(3, 4)));
    await r.insertClock(due('O-1', 'later', at(3, 8)));
    await r.insertClock(clock('O-2', 'none'));
    expect((await r.dueClocks(at(3, 6), 10)).map((c) => c.state)).toEqual(['c', 'b', 'a']);
    expect((await r.dueClocks(at(3, 6), 2)).map((c) => c.state)).toEqual(['c', 'b']);
    expect(await r.dueClocks(at(3, 5, 9, 0, 1), 10)).toEqual([due('O-3', 'c', at(3, 4)), due('O-2', 'b', at(3, 5, 9, 0, 1))]);
    expect(await r.earliestDue(at(3, 6))).toBe(at(3, 4));
    expect(await r.earliestDue(at(3, 3))).toBeNull();
  });

  test('advanceClock claims the pending level once; a paused clock or another entry is not claimed', async () => {
    const r = b.reminders;
    await r.insertClock(due('O-1', 'a', at(3, 5), 1));
    const advance = {
      office_id: 'O-1', state: 'a', entry_seq: 3, level: 1, reminders_sent: 1, escalated_at: null,
      next_level: 2, next_nominal_at: at(3, 7), next_reminder_at: at(3, 7, 9, 0, 30),
    };
    expect(await r.advanceClock({ ...advance, entry_seq: 4 })).toBe(false);
    expect(await r.advanceClock(advance)).toBe(true);
    expect(await r.advanceClock(advance)).toBe(false);
    expect(await r.clock('O-1', 'a')).toEqual({ ...due('O-1', 'a', at(3, 7, 9, 0, 30), 2), reminders_sent: 1, next_nominal_at: at(3, 7) });
    await r.pauseClocks('O-1', at(3, 6));
    expect(await r.advanceClock({ ...advance, level: 2 })).toBe(false);
  });

  test('pauseClocks pauses the running clocks only; resumeClock sets the new deadline and timer', async () => {
    const r = b.reminders;
    await r.insertClock(due('O-1', 'a', at(3, 5)));
    await r.insertClock(clock('O-1', 'b', { paused_at: at(3, 1, 12) }));
    await r.insertClock(due('O-2', 'c', at(3, 5)));
    await r.pauseClocks('O-1', at(3, 4, 15, 30, 7));
    expect(await r.clock('O-1', 'a')).toEqual({ ...due('O-1', 'a', at(3, 5)), paused_at: at(3, 4, 15, 30, 7), next_reminder_at: null });
    expect((await r.clock('O-1', 'b'))!.paused_at).toBe(at(3, 1, 12));
    expect((await r.clock('O-2', 'c'))!.paused_at).toBeNull();
    await r.resumeClock('O-1', 'a', at(3, 12), at(3, 9), at(3, 9, 10));
    expect(await r.clock('O-1', 'a')).toEqual({ ...due('O-1', 'a', at(3, 9, 10)), deadline: at(3, 12), next_nominal_at: at(3, 9) });
    await r.resumeClock('O-1', 'b', at(3, 13), null, null);
    expect(await r.clock('O-1', 'b')).toEqual(clock('O-1', 'b', { deadline: at(3, 13) }));
  });

  test('a level fires once: a repeat answers null and takes no id', async () => {
    const r = b.reminders;
    expect(await r.insertFiredTimer(fired('O-1', 'a', 1))).toBe(1);
    expect(await r.insertFiredTimer(fired('O-1', 'a', 1, { kind: 'escalation' }))).toBeNull();
    expect(await r.insertFiredTimer(fired('O-2', 'a', 1))).toBe(2);
    expect(await r.insertFiredTimer(fired('O-1', 'a', 2, { kind: 'escalation', fired_at: at(3, 3, 0, 0, 1) }))).toBe(3);
    expect(await r.firedTimers('O-1')).toEqual([
      { ...fired('O-1', 'a', 1), id: 1, status: 'fired' },
      { ...fired('O-1', 'a', 2, { kind: 'escalation', fired_at: at(3, 3, 0, 0, 1) }), id: 3, status: 'fired' },
    ]);
    expect(await r.firedTimers('O-3')).toEqual([]);
  });

  test('pauses: upsert keeps when the pause began; expired ones by end, up to the limit', async () => {
    const r = b.reminders;
    expect(await r.pause('O-1')).toBeUndefined();
    await r.upsertPause({ office_id: 'O-1', paused_at: at(3, 1), until: at(3, 9), reason: 'holiday', actor: 'alice' });
    await r.upsertPause({ office_id: 'O-1', paused_at: at(3, 2), until: at(3, 7, 0, 0, 500), reason: 'strike', actor: 'bob' });
    await r.upsertPause({ office_id: 'O-2', paused_at: at(3, 1), until: at(3, 6), reason: 'move', actor: 'carol' });
    await r.upsertPause({ office_id: 'O-3', paused_at: at(3, 1), until: at(3, 30), reason: 'long', actor: 'carol' });
    expect(await r.pause('O-1')).toEqual({ office_id: 'O-1', paused_at: at(3, 1), until: at(3, 7, 0, 0, 500), reason: 'strike', actor: 'bob' });
    expect((await r.expiredPauses(at(3, 8), 10)).map((p) => p.office_id)).toEqual(['O-2', 'O-1']);
    expect((await r.expiredPauses(at(3, 8), 1)).map((p) => p.office_id)).toEqual(['O-2']);
    expect(await r.expiredPauses(at(3, 7, 0, 0, 499), 10)).toEqual([{ office_id: 'O-2', paused_at: at(3, 1), until: at(3, 6), reason: 'move', actor: 'carol' }]);
    await r.deletePause('O-2');
    expect(await r.pause('O-2')).toBeUndefined();
  });

  test('the log keeps each detail as written, by id; lastLogId and logSince', async () => {
    const r = b.reminders;
    expect(await r.lastLogId()).toBe(0);
    expect(await r.logSince(0)).toEqual([]);
    const details = [
      ['REMINDER_SENT', { messageId: '<m1@x>', to: ['zé@office.fr', 'a@b.c'], of: 3 }],
      ['PAUSED', { until: at(3, 9), reason: 'Fête nationale' }],
      ['LINK_USED', { action: 'yes', event: 'REPLY_AFFIRMATIVE', seq: 12 }],
      ['ESCALATED', { messageId: '<m2@x>', to: [] }],
      ['RESUMED', {}],
      ['PAUSED', { until: at(3, 19), reason: 'a "quoted" \\ reason' }],
    ] as const;
    for (const [i, [type, detail]] of details.entries()) {
      await r.log(i === 1 ? 'O-2' : 'O-1', at(3, 5, 9, i), type, i % 2 ? 'x.y' : null, i % 2 ? i : null, detail, 'scheduler');
    }
    const log = await r.logOf('O-1');
    expect(log.map((l) => l.detail)).toEqual([0, 2, 3, 4, 5].map((i) => JSON.stringify(details[i]![1])));
    expect(log[1]).toEqual({ id: 3, office_id: 'O-1', at: at(3, 5, 9, 2), type: 'LINK_USED', state: null, level: null, detail: JSON.stringify(details[2][1]), actor: 'scheduler' });
    expect(log[2]).toMatchObject({ id: 4, state: 'x.y', level: 3 });
    expect(await r.lastLogId()).toBe(6);
    expect((await r.logSince(4)).map((l) => [l.id, l.type])).toEqual([[5, 'RESUMED'], [6, 'PAUSED']]);
    expect((await r.logOf('O-2')).map((l) => l.detail)).toEqual(['{"until":"2026-03-09T09:00:00.000Z","reason":"Fête nationale"}']);
  });

  test('settings: the first writer wins; office settings default to nulls and are replaced', async () => {
    const r = b.reminders;
    let made = 0;
    expect(await r.hasSetting('secret')).toBe(false);
    expect(await r.setting('secret', () => `s${++made}`)).toBe('s1');
    expect(await r.setting('secret', () => `s${++made}`)).toBe('s1');
    expect(made).toBe(1);
    await r.addSetting('secret', 'other');
    await r.addSetting('Secret', 'upper');
    expect(await r.setting('secret', () => 'never')).toBe('s1');
    expect(await r.hasSetting('Secret')).toBe(true);
    expect(await r.setting('Secret', () => 'never')).toBe('upper');

    expect(await r.officeSettings('O-1')).toEqual({ time_zone: null, coordinator_email: null });
    await r.setOfficeSettings('O-1', 'Europe/Paris', 'coord@wipo.int');
    await r.setOfficeSettings('O-1', null, 'c2@wipo.int');
    await r.setOfficeSettings('O-2', 'Asia/Tokyo', null);
    expect(await r.officeSettings('O-1')).toEqual({ time_zone: null, coordinator_email: 'c2@wipo.int' });
    expect(await r.officeSettings('O-2')).toEqual({ time_zone: 'Asia/Tokyo', coordinator_email: null });
  });

  test('a reply link is used once; a second use is refused', async () => {
    const r = b.reminders;
    expect(await r.linkUse('t-1')).toBeUndefined();
    await r.useLink('t-1', 'O-1', 'yes', at(3, 5, 9, 1, 42), 7);
    await r.useLink('t-2', 'O-1', 'no', at(3, 5), null);
    expect(await r.linkUse('t-1')).toEqual({ used_at: at(3, 5, 9, 1, 42), seq: 7 });
    expect(await r.linkUse('t-2')).toEqual({ used_at: at(3, 5), seq: null });
    await expect(r.useLink('t-1', 'O-2', 'no', at(3, 6), 8)).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    expect(await r.linkUse('t-1')).toEqual({ used_at: at(3, 5, 9, 1, 42), seq: 7 });
  });

  test('unclocked states: current leaves among the paths, without a clock', async () => {
    const r = b.reminders;
    await b.offices.insertOffice(officeRecord('O-4', at(3, 2)), [
      { path: 'installation', isLeaf: false },
      { path: 'installation.survey', isLeaf: true },
      { path: 'training.booked', isLeaf: true },
    ]);
    await r.insertClock(clock('O-4', 'training.booked'));
    expect(await r.unclockedStates([])).toEqual([]);
    const found = await r.unclockedStates(['installation', 'installation.survey', 'training.booked', 'prospect']);
    const key = (s: { office_id: string; path: string }) => `${s.office_id} ${s.path}`;
    expect(found.map(key).sort()).toEqual(['O-1 prospect', 'O-2 prospect', 'O-3 prospect', 'O-4 installation.survey']);
    expect(found.find((s) => s.office_id === 'O-4')!.entered_at).toMatch(/^2026-03-02T09:00:00\.000Z$/);
  });

  test('workshop calendar: a workshop\'s last day, null when unknown', async () => {
    expect(await b.calendar.endDate('W-1')).toBeNull();
    await b.programme.upsertWorkshop({
      id: 'W-1', title: 'Workshop', city: 'Geneva', country: 'CH', start: '2026-05-04', end: '2026-05-06',
      capacity: 10, status: 'planned', createdAt: at(1, 5), statusAt: null,
    });
    expect(await b.calendar.endDate('W-1')).toBe('2026-05-06');
    expect(await b.calendar.endDate('w-1')).toBeNull();
  });

  if (kind !== 'postgres') return;

  test('two servers claiming at once get disjoint due clocks', async () => {
    for (const [i, id] of ['O-1', 'O-2', 'O-3'].entries()) {
      await b.reminders.insertClock(due(id, 'a', at(3, 5, 9, i)));
      await b.reminders.insertClock(due(id, 'b', at(3, 5, 10, i)));
    }
    const other = b.another();
    const held = gate();
    let first: string[] = [];
    const a = b.offices.transaction(async () => {
      first = (await b.reminders.dueClocks(at(3, 6), 2)).map((c) => `${c.office_id} ${c.state}`);
      await held.opened;
    });
    while (first.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const second = await other.offices.transaction(async () => (await other.reminders.dueClocks(at(3, 6), 10)).map((c) => `${c.office_id} ${c.state}`));
    held.open();
    await a;
    expect(first).toEqual(['O-1 a', 'O-2 a']);
    expect(second).toEqual(['O-3 a', 'O-1 b', 'O-2 b', 'O-3 b']);
  });

  test('a claim held open is skipped; its lease keeps it after commit until it runs out; then another server takes it', async () => {
    await b.reminders.insertClock(due('O-1', 'a', at(3, 5)));
    await b.reminders.insertClock(due('O-2', 'a', at(3, 5, 9, 1)));
    const other = b.another();
    const held = gate();
    let claimed = 0;
    const a = b.offices.transaction(async () => {
      claimed = (await b.reminders.dueClocks(at(3, 6), 1)).length;
      await held.opened;
    });
    while (claimed === 0) await new Promise((resolve) => setImmediate(resolve));
    expect((await other.reminders.dueClocks(at(3, 6), 10)).map((c) => c.office_id)).toEqual(['O-2']);
    held.open();
    await a;
    // O-2's lease is now the other server's, O-1's this one's: each server sees its own.
    expect((await other.reminders.dueClocks(at(3, 6, 9, 1), 10)).map((c) => c.office_id)).toEqual(['O-2']);
    expect((await b.reminders.dueClocks(at(3, 6, 9, 1), 10)).map((c) => c.office_id)).toEqual(['O-1']);
    // Both leases were taken at 09:01 for two minutes: at 09:03 they have run out.
    expect((await other.reminders.dueClocks(at(3, 6, 9, 3), 10)).map((c) => c.office_id)).toEqual(['O-1', 'O-2']);
    // Firing the level ends the lease: the clock is due again for anyone at its next time.
    const advance = { office_id: 'O-1', state: 'a', entry_seq: 3, level: 1, reminders_sent: 1, escalated_at: null, next_level: 2, next_nominal_at: at(3, 7), next_reminder_at: at(3, 7) };
    expect(await other.reminders.advanceClock(advance)).toBe(true);
    expect((await b.reminders.dueClocks(at(3, 7), 10)).map((c) => c.office_id)).toEqual(['O-2', 'O-1']);
    expect((await b.reminders.dueClocks(at(3, 6, 23), 10)).map((c) => c.office_id)).toEqual(['O-2']);
  });

  test('a level fires once cluster-wide: the second server waits for the first and records nothing', async () => {
    const other = b.another();
    const held = gate();
    let first: number | null | undefined;
    const a = b.offices.transaction(async () => {
      first = await b.reminders.insertFiredTimer(fired('O-1', 'a', 1));
      await held.opened;
    });
    while (first === undefined) await new Promise((resolve) => setImmediate(resolve));
    const second = other.reminders.insertFiredTimer(fired('O-1', 'a', 1, { kind: 'escalation' }));
    await b.lockWaited();
    held.open();
    await a;
    expect(first).toBe(1);
    expect(await second).toBeNull();
    expect((await b.reminders.firedTimers('O-1')).map((t) => [t.id, t.kind])).toEqual([[1, 'reminder']]);
  });
});
