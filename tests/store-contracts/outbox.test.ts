/** OutboxStore: the same answers from storage/outbox-store.ts and storage/postgres/outbox-store.ts. */
import type { NewOutboxRow, OutboxRow } from '../../storage/outbox-store';
import { officeRecord } from './backends';
import { at, forEachReminderBackend, gate, type Backend } from './reminder-backends';

const ATTACHMENTS = JSON.stringify([{ filename: 'lettre-été.pdf', contentType: 'application/pdf', content: 'JVBERi0=' }]);

const email = (n: number, sendAfter: string, extra: Partial<NewOutboxRow> = {}): NewOutboxRow => ({
  message_id: `<m${n}@onboarding>`,
  office_id: 'O-1',
  timer_id: null,
  kind: 'reminder',
  language: 'fr',
  recipients: JSON.stringify(['zoé@office.fr', 'B@office.fr']),
  subject: `Rappel ${n}`,
  text_body: `texte ${n}`,
  html_body: `<p>${n}</p>`,
  status: 'pending',
  last_error: null,
  created_at: at(3, 1),
  send_after: sendAfter,
  attachments: '[]',
  ...extra,
});

const stored = (id: number, row: NewOutboxRow, extra: Partial<OutboxRow> = {}): OutboxRow => ({
  id, ...row, attempts: 0, lease_owner: null, lease_until: null, sent_at: null, in_doubt: 0, ...extra,
});

forEachReminderBackend('OutboxStore', (backend, kind) => {
  let b: Backend;
  beforeEach(async () => {
    b = backend();
    for (const id of ['O-1', 'O-2']) await b.offices.insertOffice(officeRecord(id, at(3, 1)), []);
  });

  /** Rows 1–4: due at 10:00.002, 10:00.001, 11:00 and tomorrow; row 5 of another office, failed at once. */
  async function five() {
    const rows = [
      email(1, at(3, 5, 10, 0, 2), { attachments: ATTACHMENTS }),
      email(2, at(3, 5, 10, 0, 1), { recipients: '[]' }),
      email(3, at(3, 5, 11)),
      email(4, at(3, 6)),
      email(5, at(3, 5), { office_id: 'O-2', status: 'failed', last_error: 'no recipient: the office has no contact email' }),
    ];
    for (const [i, row] of rows.entries()) expect(await b.outbox.insert(row)).toBe(i + 1);
    return rows;
  }

  test('insert, get, list newest first by status with paging, count, an office\'s rows, due rows by send time', async () => {
    const rows = await five();
    const o = b.outbox;
    expect(await o.get(1)).toEqual(stored(1, rows[0]!));
    expect(await o.get(6)).toBeUndefined();
    expect((await o.list(undefined, 10, 0)).map((r) => r.id)).toEqual([5, 4, 3, 2, 1]);
    expect((await o.list(undefined, 2, 1)).map((r) => r.id)).toEqual([4, 3]);
    expect((await o.list('pending', 10, 0)).map((r) => r.id)).toEqual([4, 3, 2, 1]);
    expect(await o.list('failed', 10, 0)).toEqual([stored(5, rows[4]!)]);
    expect(await o.list('sent', 10, 0)).toEqual([]);
    expect(await o.count(undefined)).toBe(5);
    expect(await o.count('pending')).toBe(4);
    expect(await o.count('sending')).toBe(0);
    expect((await o.ofOffice('O-1')).map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect((await o.due(at(3, 5, 12))).map((r) => r.id)).toEqual([2, 1, 3]);
    expect((await o.due(at(3, 5, 10, 0, 1))).map((r) => r.id)).toEqual([2]);
    expect((await o.get(1))!.attachments).toBe(ATTACHMENTS);
    expect((await o.get(1))!.recipients).toBe('["zoé@office.fr","B@office.fr"]');
  });

  test('a message id is written once', async () => {
    await b.outbox.insert(email(1, at(3, 5)));
    await expect(b.outbox.insert(email(1, at(3, 6)))).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    expect(await b.outbox.count(undefined)).toBe(1);
  });

  test('claim leases due rows to their owner; only the owner marks them sent, retried or failed', async () => {
    const rows = await five();
    const o = b.outbox;
    const lease = at(3, 5, 12, 1);
    const claimed = await o.claim('server-a', at(3, 5, 12), lease, 2);
    expect(claimed).toEqual([
      stored(1, rows[0]!, { status: 'sending', attempts: 1, lease_owner: 'server-a', lease_until: lease }),
      stored(2, rows[1]!, { status: 'sending', attempts: 1, lease_owner: 'server-a', lease_until: lease }),
    ]);
    expect((await o.claim('server-b', at(3, 5, 12), lease, 10)).map((r) => r.id)).toEqual([3]);
    expect(await o.claim('server-b', at(3, 5, 12), lease, 10)).toEqual([]);

    expect(await o.markSent(1, 'server-b', at(3, 5, 12, 0, 30))).toBe(false);
    expect(await o.markSent(1, 'server-a', at(3, 5, 12, 0, 30))).toBe(true);
    expect(await o.markSent(1, 'server-a', at(3, 5, 12, 0, 31))).toBe(false);
    expect(await o.get(1)).toEqual(stored(1, rows[0]!, { status: 'sent', attempts: 1, sent_at: at(3, 5, 12, 0, 30) }));

    expect(await o.markRetry(2, 'server-b', at(3, 5, 13), '421 try later')).toBe(false);
    expect(await o.markRetry(2, 'server-a', at(3, 5, 13), '421 try later')).toBe(true);
    expect(await o.get(2)).toEqual(stored(2, rows[1]!, { attempts: 1, send_after: at(3, 5, 13), last_error: '421 try later' }));
    expect(await o.markFailed(3, 'server-a', '550 no such user')).toBe(false);
    expect(await o.markFailed(3, 'server-b', '550 no such user')).toBe(true);
    expect(await o.get(3)).toMatchObject({ status: 'failed', attempts: 1, last_error: '550 no such user', lease_owner: null, lease_until: null });
    expect(await o.count('sending')).toBe(0);
    expect((await o.claim('server-a', at(3, 5, 13), at(3, 5, 13, 1), 10)).map((r) => [r.id, r.attempts])).toEqual([[2, 2]]);
  });

  test('a lease that ran out counts its attempt in doubt: retried once, then failed', async () => {
    const rows = await five();
    const o = b.outbox;
    expect((await o.claim('server-a', at(3, 5, 10, 30), at(3, 5, 10, 31), 1)).map((r) => r.id)).toEqual([2]);
    // 10:31 exactly: the lease has run out.
    const again = await o.claim('server-b', at(3, 5, 10, 31), at(3, 5, 10, 32), 1);
    expect(again).toEqual([
      stored(2, rows[1]!, {
        status: 'sending', attempts: 2, in_doubt: 1, lease_owner: 'server-b', lease_until: at(3, 5, 10, 32),
        last_error: 'an attempt was interrupted; it may have been delivered; retried once',
      }),
    ]);
    expect(await o.markSent(2, 'server-a', at(3, 5, 10, 31))).toBe(false);
    expect((await o.claim('server-c', at(3, 5, 10, 33), at(3, 5, 10, 34), 1)).map((r) => r.id)).toEqual([1]);
    expect(await o.get(2)).toMatchObject({
      status: 'failed', attempts: 2, in_doubt: 2, lease_owner: null, lease_until: null,
      last_error: 'two attempts were interrupted; either may have been delivered; not sent again',
    });
    expect(await o.get(1)).toMatchObject({ status: 'sending', in_doubt: 0, lease_owner: 'server-c' });
    expect(await o.claim('server-a', at(3, 5, 10, 34), at(3, 5, 10, 35), 1)).toEqual([
      expect.objectContaining({ id: 1, attempts: 2, in_doubt: 1, lease_owner: 'server-a' }),
    ]);
    expect(await o.markSent(1, 'server-c', at(3, 5, 10, 34, 5))).toBe(false);
    expect(await o.markSent(1, 'server-a', at(3, 5, 10, 34, 5))).toBe(true);
    expect(await o.get(1)).toMatchObject({ status: 'sent', sent_at: at(3, 5, 10, 34, 5), last_error: 'possibly sent twice: an earlier attempt was interrupted' });
  });

  if (kind !== 'postgres') return;

  test('two servers claiming at once get disjoint rows; a claim held open is skipped, not waited for', async () => {
    await five();
    const other = b.another();
    const held = gate();
    let first: number[] = [];
    const a = b.offices.transaction(async () => {
      first = (await b.outbox.claim('server-a', at(3, 6, 12), at(3, 6, 13), 2)).map((r) => r.id);
      await held.opened;
    });
    while (first.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const second = (await other.outbox.claim('server-b', at(3, 6, 12), at(3, 6, 13), 10)).map((r) => r.id);
    held.open();
    await a;
    expect(first).toEqual([1, 2]);
    expect(second).toEqual([3, 4]);
    expect((await b.outbox.list('sending', 10, 0)).map((r) => [r.id, r.lease_owner])).toEqual([
      [4, 'server-b'], [3, 'server-b'], [2, 'server-a'], [1, 'server-a'],
    ]);
  });

  test('an expired lease is taken by another server, which alone may mark the row sent', async () => {
    await five();
    const other = b.another();
    expect((await b.outbox.claim('server-a', at(3, 5, 12), at(3, 5, 12, 5), 10)).map((r) => r.id)).toEqual([1, 2, 3]);
    expect(await other.outbox.claim('server-b', at(3, 5, 12, 4), at(3, 5, 12, 10), 10)).toEqual([]);
    const taken = await other.outbox.claim('server-b', at(3, 5, 12, 5), at(3, 5, 12, 10), 10);
    expect(taken.map((r) => [r.id, r.attempts, r.in_doubt, r.lease_owner])).toEqual([[1, 2, 1, 'server-b'], [2, 2, 1, 'server-b'], [3, 2, 1, 'server-b']]);
    expect(await b.outbox.markSent(1, 'server-a', at(3, 5, 12, 6))).toBe(false);
    expect(await other.outbox.markSent(1, 'server-b', at(3, 5, 12, 6))).toBe(true);
  });
});
