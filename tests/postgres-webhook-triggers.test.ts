/**
 * The webhook triggers of SQLite 011, translated to PL/pgSQL (storage/postgres/migrations/
 * 005_webhooks.sql): the same rows written on both backends enqueue the same deliveries, with the
 * same bodies (as JSON values), times and retry windows.
 */
import type { Pool } from 'pg';
import { migrate, openDatabase } from '../storage/db';
import { migratePostgres } from '../storage/postgres/migrate';
import { createPool } from '../storage/postgres/pool';
import { describeIfPostgres, freshDatabase, type FreshDatabase } from './helpers/postgres';

/** Parameters are written $1, $2, … (SQLite gets them named @p1, @p2, …). */
const WRITES: [string, unknown[]][] = [
  [`INSERT INTO offices (id, name, country, track, stage, states, snapshot, machine_version, created_at, updated_at)
    VALUES ($1, $2, $3, 'kit', 'invited', '["invited"]', '{}', 1, $4, $4)`, ['BR-INPI', 'INPI', 'BR', '2026-01-05T08:00:00.000Z']],
  ...[['sub-on', 1], ['sub-off', 0]].map(([id, enabled]): [string, unknown[]] => [
    `INSERT INTO webhook_subscriptions (id, url, secret, events, enabled, created_at, updated_at)
     VALUES ($1, 'http://127.0.0.1:9/hook', 'whsec_x', '["office.stalled","office.stuck","email.failed","broadcast.finished"]', $2, $3, $3)`,
    [id, enabled, '2026-01-05T08:00:00.000Z'],
  ]),
  [`INSERT INTO reminder_log (office_id, at, type, state, level, actor) VALUES ('BR-INPI', $1, 'REMINDER_SENT', 'invited', 1, 'scheduler')`, ['2026-02-01T09:00:00.000Z']],
  [`INSERT INTO reminder_log (office_id, at, type, state, level, actor) VALUES ('BR-INPI', $1, 'REMINDER_SENT', 'invited', 2, 'scheduler')`, ['2026-02-08T09:00:00.000Z']],
  [`INSERT INTO reminder_log (office_id, at, type, state, level, actor) VALUES ('BR-INPI', $1, 'ESCALATED', 'invited', 3, 'scheduler')`, ['2026-02-15T09:00:00.000Z']],
  [`INSERT INTO reminder_log (office_id, at, type, state, level, actor) VALUES ('BR-INPI', $1, 'ESCALATED', 'preparing.site.blocked', 1, 'scheduler')`, ['2026-02-15T09:30:00.000Z']],
  [`INSERT INTO outbox (id, message_id, office_id, kind, language, recipients, subject, text_body, html_body, status, attempts, last_error, created_at, send_after)
    VALUES (1, '<a@x>', 'BR-INPI', 'reminder', 'en', '["a@x.org"]', 's', 't', 'h', 'failed', 0, 'no address', $1, $1)`, ['2026-02-16T10:00:00.250Z']],
  [`INSERT INTO outbox (id, message_id, office_id, kind, language, recipients, subject, text_body, html_body, created_at, send_after)
    VALUES (2, '<b@x>', 'BR-INPI', 'reminder', 'en', '["b@x.org","c@x.org"]', 's', 't', 'h', $1, $1)`, ['2026-02-16T10:00:00.000Z']],
  ["UPDATE outbox SET status = 'sending', attempts = 8 WHERE id = 2", []],
  ["UPDATE outbox SET status = 'failed', last_error = '550 no such user' WHERE id = 2", []],
  ["UPDATE outbox SET last_error = 'again' WHERE id = 2", []],
  [`INSERT INTO broadcasts (id, kind, event, description, actor, created_at) VALUES ('b1', 'hold', '{"type":"DEPLOYMENT_HELD","reason":"recall"}', 'Hold', 'admin', $1)`,
    ['2026-03-01T00:00:00.000Z']],
  ["INSERT INTO broadcast_offices (broadcast_id, position, office_id, status) VALUES ('b1', 0, 'BR-INPI', 'done'), ('b1', 1, 'AR-INPI', 'skipped'), ('b1', 2, 'CL-INAPI', 'done')", []],
  ["UPDATE broadcasts SET finished_at = $1 WHERE id = 'b1'", ['2026-03-01T00:05:00.000Z']],
  ["UPDATE broadcasts SET description = 'Hold (done)' WHERE id = 'b1'", []],
];

interface Delivery { event_type: string; subscription_id: string; message_id: string; body: string; created_at: string; next_attempt_at: string; retry_until: string; status: string }

/**
 * Deliveries as comparable values, in a fixed order (the two backends fire two triggers of one row in
 * different orders); an instant taken from the clock (email.failed on update) is checked, then replaced.
 */
function comparable(rows: Delivery[], writtenFrom: number): unknown[] {
  return rows.map((r) => {
    expect(r.message_id).toMatch(/^msg_[0-9a-f]{32}$/);
    const body = JSON.parse(r.body) as { timestamp: string };
    expect(body.timestamp).toBe(r.created_at);
    expect(r.next_attempt_at).toBe(r.created_at);
    expect(Date.parse(r.retry_until) - Date.parse(r.created_at)).toBe(86_400_000);
    const fromClock = Date.parse(r.created_at) >= writtenFrom;
    if (fromClock) expect(r.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const at = fromClock ? 'now' : r.created_at;
    return { type: r.event_type, subscription: r.subscription_id, status: r.status, at, body: { ...body, timestamp: at } };
  }).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const SELECT = 'SELECT event_type, subscription_id, message_id, body, created_at, next_attempt_at, retry_until, status FROM webhook_deliveries ORDER BY id';

describeIfPostgres('webhook triggers on PostgreSQL', () => {
  let database: FreshDatabase;
  let pool: Pool;
  beforeAll(async () => {
    database = await freshDatabase();
    pool = createPool({ url: database.url, poolSize: 1 });
    await migratePostgres(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  test('enqueue what the SQLite triggers enqueue for the same rows', async () => {
    const writtenFrom = Date.now() - 1000;
    const db = openDatabase(':memory:');
    let sqlite: Delivery[];
    try {
      migrate(db);
      for (const [sql, params] of WRITES) {
        db.prepare(sql.replace(/\$(\d+)/g, '@p$1')).run(Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v])));
      }
      sqlite = db.prepare<[], Delivery>(SELECT).all();
    } finally {
      db.close();
    }
    for (const [sql, params] of WRITES) await pool.query(sql, params);
    const postgres = (await pool.query<Delivery>(SELECT)).rows;

    const types = sqlite.map((d) => d.event_type).sort();
    expect(types).toEqual(['broadcast.finished', 'email.failed', 'email.failed', 'office.stalled', 'office.stalled', 'office.stuck', 'office.stuck']);
    expect(comparable(postgres, writtenFrom)).toEqual(comparable(sqlite, writtenFrom));
  });
});
