/** WebhookStore: the same answers from storage/webhook-store.ts and storage/postgres/webhook-store.ts. */
import type { DeliveryRow, Subscription, WebhookStore } from '../../storage/webhook-store';
import { forEachBackend } from './backends';

const at = (seconds: number) => new Date(Date.UTC(2026, 2, 2, 9, 0, seconds));
const iso = (seconds: number) => at(seconds).toISOString();

const subscription = (id: string, over: Partial<Subscription> = {}): Subscription => ({
  id,
  url: `http://127.0.0.1:9/${id}`,
  description: `hook ${id}`,
  secret: `whsec_${id}`,
  events: ['office.transition', 'email.failed'],
  filter: { eventTypes: ['SEND_CIRCULAR'], stages: ['invited', 'preparing'] },
  enabled: true,
  failingSince: null,
  disabledReason: null,
  createdAt: iso(0),
  updatedAt: iso(0),
  ...over,
});

/** Deliveries msg-<n> to `sub`, due `dueAt(n)` seconds in. */
async function enqueue(store: WebhookStore, sub: string, count: number, dueAt: (n: number) => number = () => 0, first = 1): Promise<void> {
  for (let n = first; n < first + count; n++) {
    await store.enqueue({ messageId: `msg-${sub}-${n}`, subscriptionId: sub, eventType: 'office.transition', body: `{"n":${n}}`, at: iso(dueAt(n)), retryUntil: iso(86_400) });
  }
}

const ids = (rows: DeliveryRow[]) => rows.map((r) => r.message_id);

forEachBackend('WebhookStore', (backend, kind) => {
  let store: WebhookStore;
  beforeEach(() => void (store = backend().webhooks));

  test('subscriptions: insert, get, list in creation order, update, remove', async () => {
    const a = subscription('b-sub', { createdAt: iso(2), updatedAt: iso(2) });
    const b = subscription('a-sub', { createdAt: iso(2), updatedAt: iso(2), enabled: false, events: ['office.stuck'], filter: { eventTypes: [], stages: [] } });
    // Same instant: ids in byte order, capitals first, as SQLite compares text.
    const c = subscription('Z-sub', { createdAt: iso(2), updatedAt: iso(2) });
    const d = subscription('x-early', { createdAt: iso(1), updatedAt: iso(1) });
    for (const s of [a, b, c, d]) await store.insert(s);
    expect(await store.get('b-sub')).toEqual(a);
    expect(await store.get('a-sub')).toEqual(b);
    expect(await store.get('none')).toBeUndefined();
    expect((await store.list()).map((s) => s.id)).toEqual(['x-early', 'Z-sub', 'a-sub', 'b-sub']);

    const changed: Subscription = { ...a, url: 'http://127.0.0.1:9/new', description: 'new', events: ['broadcast.finished'], filter: { eventTypes: [], stages: ['done'] },
      enabled: false, failingSince: iso(5), disabledReason: 'by hand', updatedAt: iso(6), secret: 'whsec_not_changed_by_update', createdAt: iso(9) };
    await store.update(changed);
    expect(await store.get('b-sub')).toEqual({ ...changed, secret: a.secret, createdAt: a.createdAt });

    expect(await store.remove('b-sub')).toBe(true);
    expect(await store.remove('b-sub')).toBe(false);
    expect((await store.list()).map((s) => s.id)).toEqual(['x-early', 'Z-sub', 'a-sub']);
  });

  test('transitionSubscriptions: the enabled ones to office.transition', async () => {
    await store.insert(subscription('on'));
    await store.insert(subscription('off', { enabled: false }));
    await store.insert(subscription('other', { events: ['office.stuck'] }));
    expect(await store.transitionSubscriptions()).toEqual([subscription('on')]);
  });

  test('failing since the first failure of a run, healthy again, disabled once', async () => {
    await store.insert(subscription('s'));
    await store.markFailing('s', iso(10));
    await store.markFailing('s', iso(20));
    expect((await store.get('s'))!.failingSince).toBe(iso(10));
    await store.markHealthy('s');
    expect((await store.get('s'))!.failingSince).toBeNull();
    expect(await store.disable('s', 'failing for a day', iso(30))).toBe(true);
    expect(await store.disable('s', 'again', iso(40))).toBe(false);
    expect(await store.disable('none', 'x', iso(40))).toBe(false);
    expect(await store.get('s')).toMatchObject({ enabled: false, disabledReason: 'failing for a day', updatedAt: iso(30) });
    expect(await store.transitionSubscriptions()).toEqual([]);
  });

  test('claim leases the due deliveries of enabled subscriptions, oldest first, up to the limit', async () => {
    await store.insert(subscription('s'));
    await store.insert(subscription('off', { enabled: false }));
    await enqueue(store, 's', 5, (n) => 10 * (6 - n)); // msg-s-5 is due first
    await enqueue(store, 'off', 1);
    const rows = await store.claim('server-a', at(30), at(90), 2);
    expect(ids(rows).sort()).toEqual(['msg-s-4', 'msg-s-5']);
    expect(rows.find((r) => r.message_id === 'msg-s-5')).toEqual({
      id: 5, message_id: 'msg-s-5', subscription_id: 's', event_type: 'office.transition', body: '{"n":5}', status: 'sending', attempts: 1,
      response_status: null, last_error: null, duration_ms: null, created_at: iso(10), next_attempt_at: iso(10), retry_until: iso(86_400),
      last_attempt_at: null, delivered_at: null, lease_owner: 'server-a', lease_until: iso(90),
    });
    // msg-s-3 is due at 30 s (inclusive); msg-s-1 and -2 not yet; the disabled subscription's never.
    expect(ids(await store.claim('server-b', at(30), at(90), 10))).toEqual(['msg-s-3']);
    expect(await store.claim('server-b', at(30), at(90), 10)).toEqual([]);
    expect(ids(await store.claim('server-b', at(50), at(110), 10)).sort()).toEqual(['msg-s-1', 'msg-s-2']);
  });

  test('finish records the attempt for the lease holder only', async () => {
    await store.insert(subscription('s'));
    await enqueue(store, 's', 2);
    const [first, second] = await store.claim('server-a', at(0), at(60), 2);
    const attempt = { owner: 'server-a', responseStatus: 204, error: null, durationMs: 12, at: iso(5), nextAttemptAt: iso(5) };
    expect(await store.finish({ ...attempt, id: first!.id, owner: 'server-b', status: 'delivered' })).toBe(false);
    expect(await store.finish({ ...attempt, id: first!.id, status: 'delivered' })).toBe(true);
    expect(await store.finish({ ...attempt, id: first!.id, status: 'delivered' })).toBe(false);
    expect(await store.delivery('s', first!.message_id)).toMatchObject({
      status: 'delivered', response_status: 204, duration_ms: 12, last_attempt_at: iso(5), delivered_at: iso(5), lease_owner: null, lease_until: null, attempts: 1,
    });

    // A failed attempt to retry: pending again at its next time, claimed then with a second attempt.
    expect(await store.finish({ ...attempt, id: second!.id, status: 'pending', responseStatus: 500, error: 'HTTP 500', nextAttemptAt: iso(40) })).toBe(true);
    expect(await store.delivery('s', second!.message_id)).toMatchObject({
      status: 'pending', response_status: 500, last_error: 'HTTP 500', next_attempt_at: iso(40), delivered_at: null, lease_owner: null,
    });
    expect(await store.claim('server-a', at(39), at(99), 5)).toEqual([]);
    expect(await store.claim('server-a', at(40), at(100), 5)).toMatchObject([{ id: second!.id, attempts: 2, lease_until: iso(100) }]);
    expect(await store.finish({ ...attempt, id: second!.id, status: 'failed', responseStatus: null, error: 'refused', at: iso(41), nextAttemptAt: iso(41) })).toBe(true);
    expect(await store.delivery('s', second!.message_id)).toMatchObject({ status: 'failed', last_error: 'refused', response_status: null, delivered_at: null });
  });

  test('an expired lease is taken back: another server claims it, the old holder can no longer finish it', async () => {
    await store.insert(subscription('s'));
    await store.insert(subscription('later-off'));
    await enqueue(store, 's', 1);
    await enqueue(store, 'later-off', 1);
    expect(await store.claim('server-a', at(0), at(60), 5)).toHaveLength(2);
    await store.disable('later-off', 'by hand', iso(1));
    expect(await store.claim('server-b', at(59), at(119), 5)).toEqual([]);
    const [taken, ...rest] = await store.claim('server-b', at(60), at(120), 5);
    expect(rest).toEqual([]);
    expect(taken).toMatchObject({ message_id: 'msg-s-1', lease_owner: 'server-b', lease_until: iso(120), attempts: 2, status: 'sending' });
    // The disabled subscription's delivery is released, not sent.
    expect(await store.delivery('later-off', 'msg-later-off-1')).toMatchObject({ status: 'pending', lease_owner: null, lease_until: null, attempts: 1 });
    const attempt = { id: taken!.id, status: 'delivered' as const, responseStatus: 200, error: null, durationMs: 3, at: iso(61), nextAttemptAt: iso(61) };
    expect(await store.finish({ ...attempt, owner: 'server-a' })).toBe(false);
    expect(await store.finish({ ...attempt, owner: 'server-b' })).toBe(true);
  });

  test('deliveries: newest first, by status, paged and counted; one delivery; redelivery', async () => {
    await store.insert(subscription('s'));
    await store.insert(subscription('t'));
    await enqueue(store, 's', 4);
    await enqueue(store, 't', 1);
    const claimed = await store.claim('server-a', at(0), at(60), 10);
    const row = (message: string) => claimed.find((r) => r.message_id === message)!;
    await store.finish({ id: row('msg-s-2').id, owner: 'server-a', status: 'delivered', responseStatus: 200, error: null, durationMs: 7, at: iso(3), nextAttemptAt: iso(3) });
    await store.finish({ id: row('msg-s-3').id, owner: 'server-a', status: 'pending', responseStatus: 503, error: 'HTTP 503', durationMs: 9, at: iso(4), nextAttemptAt: iso(70) });

    const all = await store.deliveries('s', undefined, 10, 0);
    expect(all.total).toBe(4);
    expect(all.deliveries.map((d) => d.id)).toEqual(['msg-s-4', 'msg-s-3', 'msg-s-2', 'msg-s-1']);
    expect(all.deliveries[1]).toEqual({
      id: 'msg-s-3', event: 'office.transition', status: 'pending', attempts: 1, responseStatus: 503, lastError: 'HTTP 503', durationMs: 9,
      createdAt: iso(0), lastAttemptAt: iso(4), nextAttemptAt: iso(70), deliveredAt: null,
    });
    expect(all.deliveries[2]).toMatchObject({ status: 'delivered', deliveredAt: iso(3), nextAttemptAt: null });
    expect(await store.deliveries('s', 'sending', 1, 1)).toEqual({ deliveries: [expect.objectContaining({ id: 'msg-s-1' })], total: 2 });
    expect(await store.deliveries('s', 'failed', 10, 0)).toEqual({ deliveries: [], total: 0 });
    expect(await store.deliveries('none', undefined, 10, 0)).toEqual({ deliveries: [], total: 0 });

    expect(await store.delivery('t', 'msg-s-1')).toBeUndefined();
    expect(await store.delivery('s', 'msg-s-1')).toEqual(row('msg-s-1'));

    expect(await store.redeliver(row('msg-s-1').id, iso(100), iso(200))).toBe(false); // still being sent
    expect(await store.redeliver(row('msg-s-2').id, iso(100), iso(200))).toBe(true);
    expect(await store.redeliver(999, iso(100), iso(200))).toBe(false);
    expect(await store.delivery('s', 'msg-s-2')).toMatchObject({ status: 'pending', next_attempt_at: iso(100), retry_until: iso(200), delivered_at: iso(3) });
  });

  test('removing a subscription removes its deliveries', async () => {
    await store.insert(subscription('s'));
    await enqueue(store, 's', 2);
    await store.remove('s');
    expect(await store.deliveries('s', undefined, 10, 0)).toEqual({ deliveries: [], total: 0 });
    expect(await store.claim('server-a', at(0), at(60), 10)).toEqual([]);
  });

  test('claimers on four connections at once take disjoint sets that cover every due delivery', async () => {
    await store.insert(subscription('s'));
    await enqueue(store, 's', 40);
    const servers = [store, backend().another().webhooks, backend().another().webhooks, backend().another().webhooks];
    const claims = await Promise.all(servers.map((s, i) => s.claim(`server-${i}`, at(0), at(60), 10)));
    const all = claims.flatMap(ids);
    expect(claims.map((c) => c.length)).toEqual([10, 10, 10, 10]);
    expect(new Set(all).size).toBe(40);
    for (const [i, c] of claims.entries()) expect(new Set(c.map((r) => r.lease_owner))).toEqual(new Set([`server-${i}`]));
  });

  (kind === 'postgres' ? test : test.skip)('a claim does not wait for rows another server holds: it skips them', async () => {
    await store.insert(subscription('s'));
    await enqueue(store, 's', 6);
    const other = backend().another().webhooks;
    let held: DeliveryRow[] = [];
    const seen = await store.transaction(async () => {
      held = await store.claim('server-a', at(0), at(60), 3);
      // server-a's claim is not committed, its rows still locked: server-b must neither wait for them nor take them.
      return boundedly(other.claim('server-b', at(0), at(60), 10), 10_000);
    });
    expect(ids(held)).toEqual(['msg-s-1', 'msg-s-2', 'msg-s-3']);
    expect(ids(seen)).toEqual(['msg-s-4', 'msg-s-5', 'msg-s-6']);
    expect(await store.delivery('s', 'msg-s-1')).toMatchObject({ lease_owner: 'server-a', status: 'sending' });
  });
});

/** `work`, or a failure when it has not answered within `ms` (it is blocked). */
function boundedly<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const blocked = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  return Promise.race([work, blocked]).finally(() => clearTimeout(timer));
}
