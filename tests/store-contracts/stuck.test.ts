/** StuckStore: the same answers from storage/stuck-store.ts and storage/postgres/stuck-store.ts. */
import type { ClockRow } from '../../storage/reminder-store';
import { officeRecord } from './backends';
import { at, forEachReminderBackend, type Backend } from './reminder-backends';

const NOW = at(3, 20);

const clock = (officeId: string, state: string, deadline: string, extra: Partial<ClockRow> = {}): ClockRow => ({
  office_id: officeId,
  state,
  entry_seq: 1,
  stage: state.split('.')[0]!,
  owner: 'office',
  entered_at: at(2, 1),
  deadline,
  paused_at: null,
  reminders_sent: 2,
  next_reminder_at: at(3, 25),
  escalated_at: null,
  next_level: 3,
  next_nominal_at: at(3, 25),
  ...extra,
});

/**
 * O-stuck: escalated, and stalled in a second state; O-long: overdue 18 days; O-paused: overdue one
 * day when its pause began (ranked below O-long though its deadline is older); O-B and O-a: overdue
 * by the same time (tied, by office id byte-wise); O-ok: paused before its deadline; O-later: not due.
 */
async function seed(b: Backend) {
  const office = async (id: string, name: string, country: string) =>
    b.offices.insertOffice({ ...officeRecord(id, at(1, 1)), name, country }, []);
  await office('O-stuck', 'Bureau Étoile', 'FR');
  await office('O-long', 'Long office', 'DE');
  await office('O-paused', 'Paused office', 'CH');
  await office('O-B', 'Office B', 'IT');
  await office('O-a', 'Office a', 'ES');
  await office('O-ok', 'Fine office', 'FR');
  await office('O-later', 'Later office', 'FR');
  const r = b.reminders;
  await r.insertClock(clock('O-stuck', 'installation.survey', at(3, 19), { escalated_at: at(3, 19, 12), next_reminder_at: null, next_level: null, next_nominal_at: null }));
  await r.insertClock(clock('O-stuck', 'training.booked', at(3, 1), { owner: 'wipo' }));
  await r.insertClock(clock('O-long', 'installation.survey', at(3, 2)));
  await r.insertClock(clock('O-paused', 'installation.kit', at(2, 1), { paused_at: at(2, 2), next_reminder_at: null }));
  await r.upsertPause({ office_id: 'O-paused', paused_at: at(2, 2), until: at(4, 1), reason: 'renovation', actor: 'alice' });
  await r.insertClock(clock('O-B', 'training.booked', at(3, 10), { owner: 'wipo' }));
  await r.insertClock(clock('O-a', 'training.booked', at(3, 10), { owner: 'wipo', escalated_at: null }));
  await r.insertClock(clock('O-ok', 'installation.survey', at(3, 3), { paused_at: at(3, 1) }));
  await r.insertClock(clock('O-later', 'installation.survey', at(3, 21)));
  // An email sent to O-long, one failed: the list shows when the last one went out.
  const row = (n: number, status: 'pending' | 'failed') => ({
    message_id: `<m${n}@x>`, office_id: 'O-long', timer_id: null, kind: 'reminder', language: 'en', recipients: '[]', subject: 's',
    text_body: 't', html_body: 'h', status, last_error: null, created_at: at(3, 3), send_after: at(3, 3), attachments: '[]',
  });
  await b.outbox.insert(row(1, 'pending'));
  await b.outbox.insert(row(2, 'failed'));
  await b.outbox.claim('server', at(3, 4), at(3, 4, 9, 1), 10);
  await b.outbox.markSent(1, 'server', at(3, 4, 9, 0, 250));
}

forEachReminderBackend('StuckStore', (backend) => {
  let b: Backend;
  beforeEach(async () => {
    b = backend();
    await seed(b);
  });

  test('a page: stuck first, then most overdue, each office once with its stuck or most overdue clock and its other stalled states', async () => {
    const page = await b.stuck.stalledPage({ now: NOW, limit: 10, offset: 0 });
    expect(page.total).toBe(5);
    expect(page.clocks.map((c) => [c.office_id, c.state])).toEqual([
      ['O-stuck', 'installation.survey'],
      ['O-long', 'installation.survey'],
      ['O-B', 'training.booked'],
      ['O-a', 'training.booked'],
      ['O-paused', 'installation.kit'],
    ]);
    expect(page.clocks[0]).toEqual({
      office_id: 'O-stuck', name: 'Bureau Étoile', country: 'FR', state: 'installation.survey', owner: 'office', entered_at: at(2, 1),
      deadline: at(3, 19), paused_at: null, reminders_sent: 2, next_reminder_at: null, escalated_at: at(3, 19, 12),
      pause_until: null, pause_reason: null, last_email_at: null, other_states: ['training.booked'],
    });
    expect(page.clocks[1]).toMatchObject({ name: 'Long office', last_email_at: at(3, 4, 9, 0, 250), other_states: [] });
    expect(page.clocks[4]).toMatchObject({ paused_at: at(2, 2), pause_until: at(4, 1), pause_reason: 'renovation', next_reminder_at: null });
  });

  test('filters and paging: owner, stage, stuck only; total counts every matching office', async () => {
    const keys = async (query: Partial<Parameters<Backend['stuck']['stalledPage']>[0]>) => {
      const page = await b.stuck.stalledPage({ now: NOW, limit: 10, offset: 0, ...query });
      return [page.total, page.clocks.map((c) => `${c.office_id} ${c.state}`)];
    };
    expect(await keys({ limit: 2, offset: 1 })).toEqual([5, ['O-long installation.survey', 'O-B training.booked']]);
    expect(await keys({ owner: 'wipo' })).toEqual([3, ['O-stuck training.booked', 'O-B training.booked', 'O-a training.booked']]);
    expect(await keys({ stage: 'installation' })).toEqual([3, ['O-stuck installation.survey', 'O-long installation.survey', 'O-paused installation.kit']]);
    expect(await keys({ stuckOnly: true })).toEqual([1, ['O-stuck installation.survey']]);
    expect(await keys({ stuckOnly: true, owner: 'wipo' })).toEqual([0, []]);
    expect(await keys({ now: at(3, 5) })).toEqual([3, ['O-stuck training.booked', 'O-long installation.survey', 'O-paused installation.kit']]);
  });

  test('counts by leaf state and offices by stage', async () => {
    expect(await b.stuck.stalledCountsByState(NOW)).toEqual({
      'installation.survey': { stalled: 2, stuck: 1 },
      'installation.kit': { stalled: 1, stuck: 0 },
      'training.booked': { stalled: 3, stuck: 0 },
    });
    expect(await b.stuck.stalledOfficesByStage(NOW)).toEqual({ installation: { stalled: 3, stuck: 1 }, training: { stalled: 3, stuck: 0 } });
    expect(await b.stuck.stalledOfficesByStage(at(3, 2))).toEqual({ installation: { stalled: 2, stuck: 0 }, training: { stalled: 1, stuck: 0 } });
    expect(await b.stuck.stalledCountsByState(at(1, 1))).toEqual({});
  });
});
