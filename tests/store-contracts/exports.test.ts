/**
 * ExportStore: storage/export-store.ts and storage/postgres/export-store.ts give the same export,
 * byte for byte, of the same writes, and each reads one snapshot that writers do not wait for.
 */
import { parseOfficeEvent } from '../../machines/events';
import { auditCsvLine, auditLines, exportJsonLines } from '../../programme/export';
import type { ExportStore } from '../../storage/export-store';
import type { Workshop } from '../../storage/programme-store';
import { describeIfPostgres } from '../helpers/postgres';
import { bothBackends, forEachMailExportBackend, START, type Backend, type Server } from './mail-export-backends';

jest.setTimeout(30_000);

const MINUTE = 60_000;
const PERIOD = { from: START, to: '2026-03-03T00:00:00.000Z' };

const workshop = (id: string, extra: Partial<Workshop> = {}): Workshop => ({
  id,
  title: `Workshop ${id}`,
  city: 'Genève',
  country: 'CH',
  start: '2026-05-04',
  end: '2026-05-06',
  capacity: 12,
  status: 'planned',
  createdAt: START,
  statusAt: null,
  ...extra,
});

/** An event as a client sends it, keys in any order, through the API's parsing. */
async function send(s: Server, officeId: string, raw: Record<string, unknown>, advance = MINUTE) {
  const parsed = parseOfficeEvent(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  s.clock.advance(advance);
  await s.engine.apply(officeId, parsed.event, { actor: 'alice', requestId: `req-${officeId}-${String(raw.type)}` });
}

/**
 * Offices and events whose JSON key orders differ between what the schemas write and jsonb's order
 * (by key length, then bytes), office ids whose byte order differs from a linguistic one, events
 * sharing an instant, and account actions at the same instants as transitions.
 */
async function seed(s: Server) {
  await s.programme.upsertWorkshop(workshop('W-b'));
  await s.programme.upsertWorkshop(workshop('W-B', { status: 'held', capacity: 3 }));
  await s.programme.upsertWorkshop(workshop('w-a', { title: 'Atelier « réseau »' }));
  await s.engine.register(
    { id: 'FR-b', name: 'Institut français', country: 'FR', city: 'Paris', language: 'fr', track: 'kit',
      contacts: [{ name: 'Ana', email: 'ana@inpi.example', role: 'director' }, { name: 'Émile', email: 'emile@inpi.example' }] },
    { actor: 'alice' },
  );
  await s.engine.register({ id: 'FR-B', name: 'Office B', country: 'FR', language: 'en', track: 'internet', contacts: [] }, { actor: 'bob' });
  await s.accounts.audit(s.clock.now().toISOString(), 'admin', 'user.created', 'carol', { role: 'viewer' });
  await send(s, 'FR-b', { note: 'sent by post', letterRef: 'C.1234', type: 'SEND_CIRCULAR' });
  await send(s, 'FR-B', { type: 'SEND_CIRCULAR' }, 0);
  await send(s, 'FR-b', { type: 'REPLY_AFFIRMATIVE' });
  await send(s, 'FR-B', { reason: 'no budget this year', type: 'REPLY_DECLINED' }, 0);
  await send(s, 'FR-b', { type: 'SITE_SURVEYED' });
  await send(s, 'FR-b', { note: 'generator ordered', reason: 'no stable power', type: 'SITE_DIFFICULTY' });
  await send(s, 'FR-b', { role: 'IT lead', email: 'li@inpi.example', name: 'Li', type: 'FOCAL_POINT_NOMINATED' });
  await send(s, 'FR-b', { focalPoints: ['li@inpi.example'], workshopId: 'W-b', type: 'ENROLLED' });
  await send(s, 'FR-b', { workshopCancelled: true, workshopId: 'W-b', type: 'NO_SHOW' });
  await s.accounts.audit(s.clock.now().toISOString(), 'admin', 'token.created', 'alice/ci', { tokenId: 3 });
  await send(s, 'FR-b', { contacts: [{ role: 'deputy', email: 'zoe@inpi.example', name: 'Zoé' }], city: 'Lyon', name: 'INPI', type: 'DETAILS_UPDATED' });
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

const exportOf = (store: ExportStore) => collect(exportJsonLines(store));
async function auditOf(store: ExportStore, period = PERIOD): Promise<string[]> {
  const all: string[] = [];
  for await (const line of auditLines(store, period)) all.push(JSON.stringify(line), auditCsvLine(line));
  return all;
}

/** The export of `seed`, as SQLite writes it. */
const SEEDED_EXPORT = [
  '{"kind":"workshop","id":"W-B","title":"Workshop W-B","city":"Genève","country":"CH","start":"2026-05-04","end":"2026-05-06","capacity":3,"status":"held"}',
  '{"kind":"workshop","id":"W-b","title":"Workshop W-b","city":"Genève","country":"CH","start":"2026-05-04","end":"2026-05-06","capacity":12,"status":"planned"}',
  '{"kind":"workshop","id":"w-a","title":"Atelier « réseau »","city":"Genève","country":"CH","start":"2026-05-04","end":"2026-05-06","capacity":12,"status":"planned"}',
  // The office as it is now (its details changed after), at its registration's instant.
  '{"kind":"office","id":"FR-B","name":"Office B","country":"FR","language":"en","track":"internet","contacts":[],"at":"2026-03-02T09:00:00.000Z"}',
  '{"kind":"office","id":"FR-b","name":"INPI","country":"FR","city":"Lyon","language":"fr","track":"kit","contacts":[{"name":"Zoé","email":"zoe@inpi.example","role":"deputy"}],"at":"2026-03-02T09:00:00.000Z"}',
  '{"kind":"event","office":"FR-B","type":"SEND_CIRCULAR","at":"2026-03-02T09:01:00.000Z"}',
  '{"kind":"event","office":"FR-b","type":"SEND_CIRCULAR","at":"2026-03-02T09:01:00.000Z","letterRef":"C.1234","note":"sent by post"}',
  '{"kind":"event","office":"FR-B","type":"REPLY_DECLINED","at":"2026-03-02T09:02:00.000Z","reason":"no budget this year"}',
  '{"kind":"event","office":"FR-b","type":"REPLY_AFFIRMATIVE","at":"2026-03-02T09:02:00.000Z"}',
  '{"kind":"event","office":"FR-b","type":"SITE_SURVEYED","at":"2026-03-02T09:03:00.000Z"}',
  '{"kind":"event","office":"FR-b","type":"SITE_DIFFICULTY","at":"2026-03-02T09:04:00.000Z","reason":"no stable power","note":"generator ordered"}',
  '{"kind":"event","office":"FR-b","type":"FOCAL_POINT_NOMINATED","at":"2026-03-02T09:05:00.000Z","name":"Li","email":"li@inpi.example","role":"IT lead"}',
  '{"kind":"event","office":"FR-b","type":"ENROLLED","at":"2026-03-02T09:06:00.000Z","workshopId":"W-b","focalPoints":["li@inpi.example"]}',
  '{"kind":"event","office":"FR-b","type":"NO_SHOW","at":"2026-03-02T09:07:00.000Z","workshopId":"W-b","workshopCancelled":true}',
  '{"kind":"event","office":"FR-b","type":"DETAILS_UPDATED","at":"2026-03-02T09:08:00.000Z","name":"INPI","city":"Lyon","contacts":[{"name":"Zoé","email":"zoe@inpi.example","role":"deputy"}]}',
];

forEachMailExportBackend('ExportStore', (backend, kind) => {
  let b: Backend;
  beforeEach(() => void (b = backend()));

  test('an empty database exports nothing', async () => {
    expect(await exportOf(b.exports)).toEqual([]);
    expect(await auditOf(b.exports)).toEqual([]);
  });

  test('workshops by id byte-wise, then offices and events by time, office byte-wise and sequence, keys as written', async () => {
    await seed(b);
    expect(await exportOf(b.exports)).toEqual(SEEDED_EXPORT);
  });

  test('the audit trail of a period: transitions before account actions at one instant, from inclusive, to exclusive', async () => {
    await seed(b);
    const trail = await auditOf(b.exports, { from: '2026-03-02T09:01:00.000Z', to: '2026-03-02T09:07:00.000Z' });
    const json = trail.filter((_, i) => i % 2 === 0).map((l) => JSON.parse(l) as { at: string; action: string; subject: string });
    expect(json.map((l) => `${l.at.slice(11, 16)} ${l.action} ${l.subject}`)).toEqual([
      '09:01 office.SEND_CIRCULAR FR-B',
      '09:01 office.SEND_CIRCULAR FR-b',
      '09:02 office.REPLY_DECLINED FR-B',
      '09:02 office.REPLY_AFFIRMATIVE FR-b',
      '09:03 office.SITE_SURVEYED FR-b',
      '09:04 office.SITE_DIFFICULTY FR-b',
      '09:05 office.FOCAL_POINT_NOMINATED FR-b',
      '09:06 office.ENROLLED FR-b',
    ]);
    expect(trail.slice(10, 12)).toEqual([
      '{"at":"2026-03-02T09:04:00.000Z","actor":"alice","action":"office.SITE_DIFFICULTY","subject":"FR-b","requestId":"req-FR-b-SITE_DIFFICULTY","details":{"reason":"no stable power","note":"generator ordered"}}',
      '2026-03-02T09:04:00.000Z,alice,office.SITE_DIFFICULTY,FR-b,req-FR-b-SITE_DIFFICULTY,"{""reason"":""no stable power"",""note"":""generator ordered""}"',
    ]);
    const whole = (await auditOf(b.exports)).filter((_, i) => i % 2 === 0).map((l) => JSON.parse(l) as { action: string; details: unknown });
    expect(whole.map((l) => l.action)).toEqual([
      'office.REGISTERED', 'office.REGISTERED', 'user.created', 'office.SEND_CIRCULAR', 'office.SEND_CIRCULAR', 'office.REPLY_DECLINED',
      'office.REPLY_AFFIRMATIVE', 'office.SITE_SURVEYED', 'office.SITE_DIFFICULTY', 'office.FOCAL_POINT_NOMINATED', 'office.ENROLLED',
      'office.NO_SHOW', 'token.created', 'office.DETAILS_UPDATED',
    ]);
    expect(whole[12]!.details).toEqual({ tokenId: 3 });
  });

  test('a snapshot closed by a consumer that stopped early reads no more', async () => {
    await seed(b);
    const snapshot = await b.exports.openSnapshot();
    const rows = snapshot.history()[Symbol.asyncIterator]();
    expect((await rows.next()).value).toMatchObject({ officeId: 'FR-B', type: 'REGISTERED' });
    await rows.return?.();
    await snapshot.close();
    await snapshot.close();
    await expect(collect((async function* () { for await (const w of snapshot.workshops()) yield w.id; })())).rejects.toMatchObject({
      message: expect.stringMatching(/closed/),
    });
    expect(await exportOf(b.exports)).toHaveLength(SEEDED_EXPORT.length);
  });

  if (kind === 'postgres') {
    const inTransaction = async (b: Backend) =>
      (await b.pool!.query<{ n: number }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")).rows[0]!.n;

    test('the connection goes back to the pool, its transaction ended, when the consumer stops after one line', async () => {
      await seed(b);
      const lines = exportJsonLines(b.exports);
      expect((await lines.next()).value).toBe(SEEDED_EXPORT[0]);
      expect(await inTransaction(b)).toBe(1);
      await lines.return(undefined);
      expect(await inTransaction(b)).toBe(0);
      expect(b.pool!.totalCount - b.pool!.idleCount).toBe(0);
    });

    test('writes committed by another server while a snapshot is read do not wait for it and are not in it', async () => {
      for (let i = 0; i < 1005; i++) await b.programme.upsertWorkshop(workshop(`W-${String(i).padStart(4, '0')}`));
      await seed(b);
      const before = await exportOf(b.exports);
      expect(before).toHaveLength(1005 + SEEDED_EXPORT.length);

      const lines = exportJsonLines(b.exports);
      const read = [(await lines.next()).value as string];
      const other = b.another();
      other.clock.set('2026-03-02T10:00:00.000Z');
      const writes = (async () => {
        await other.programme.upsertWorkshop(workshop('W-0000', { title: 'Renamed' }));
        await other.programme.upsertWorkshop(workshop('W-1004', { title: 'Renamed too' }));
        await other.programme.upsertWorkshop(workshop('A-new'));
        await other.engine.register({ id: 'DE-1', name: 'DPMA', country: 'DE', language: 'de', track: 'kit', contacts: [] }, { actor: 'dave' });
        await send(other, 'FR-b', { type: 'DIFFICULTY_RESOLVED' });
        await other.accounts.audit('2026-03-02T09:30:00.000Z', 'admin', 'user.created', 'erin', { role: 'viewer' });
      })();
      // Bounded: a write that waited for the snapshot would wait until its end, after this.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([writes, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the writes waited for the snapshot')), 10_000)))]);
      clearTimeout(timer);
      expect(await inTransaction(b)).toBe(1);

      for await (const line of lines) read.push(line);
      expect(read).toEqual(before);
      const after = await exportOf(b.exports);
      expect(after).toHaveLength(before.length + 3);
      expect(after[0]).toContain('"id":"A-new"');
      expect(after.some((l) => l.includes('"title":"Renamed too"'))).toBe(true);
      expect(after.at(-1)).toBe('{"kind":"event","office":"FR-b","type":"DIFFICULTY_RESOLVED","at":"2026-03-02T10:01:00.000Z"}');
      expect(await inTransaction(b)).toBe(0);
    });
  }
});

describeIfPostgres('ExportStore: SQLite and PostgreSQL export the same bytes', () => {
  const backends = bothBackends();

  test('the export and the audit trail (JSON Lines and CSV) of the same writes on the same clock', async () => {
    await seed(backends.sqlite());
    await seed(backends.postgres());
    const sqlite = await exportOf(backends.sqlite().exports);
    expect(sqlite).toEqual(SEEDED_EXPORT);
    expect(await exportOf(backends.postgres().exports)).toEqual(sqlite);
    const trail = await auditOf(backends.sqlite().exports);
    expect(trail).toHaveLength(28);
    expect(await auditOf(backends.postgres().exports)).toEqual(trail);
  });
});
