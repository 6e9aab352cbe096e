import { readableOfficeId } from '../engine/office-input';
import { releaseGoldDisk } from '../programme/gold-disk';
import { createWorkshop } from '../programme/workshops';
import { PATH, seedOffice } from './helpers/browser';
import { api, startServer, TEST_ADMIN_TOKEN, type TestServer } from './helpers/server';

/** What the coordinator's pages rest on: readable ids, notes, event notes, the Gold Disk rule, the enrolment fix. */

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const page = async (path: string) => {
  const res = await fetch(server.url + path, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  return { status: res.status, text: await res.text() };
};

describe('ids of new offices', () => {
  test('are the country and the acronym of the name, unique', async () => {
    const register = (name: string, country: string) => api(server.url, 'POST', '/api/offices', { name, country });
    expect((await register('Institut National de la Propriété Industrielle', 'FR')).body.id).toBe('FR-INPI');
    expect((await register('Organisation Africaine de la Propriété Intellectuelle', 'SN')).body.id).toBe('SN-OAPI');
    expect((await register('Organisation Africaine de la Propriété Intellectuelle', 'SN')).body.id).toBe('SN-OAPI-2');
    expect((await register('INAPI', 'cl')).body.id).toBe('CL-INAPI');
  });

  test('fall back to a plain word when the name has no letters to take', async () => {
    expect(await readableOfficeId('東京', 'JP', async () => false)).toBe('JP-OFFICE');
    expect(await readableOfficeId('Kenya', 'KE', async (id) => id === 'KE-KENYA')).toBe('KE-KENYA-2');
  });
});

describe('notes', () => {
  test('a note is stored, listed and shown on the timeline; bad input changes nothing', async () => {
    await seedOffice(server.runtime, 'NOTE-1', PATH.invited);
    const added = await api(server.url, 'POST', '/api/offices/NOTE-1/notes', { text: 'Called the director: answer next week' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ officeId: 'NOTE-1', text: 'Called the director: answer next week', actor: 'admin-token' });
    for (const bad of [{}, { text: '   ' }, { text: 'x'.repeat(2001) }, { text: 3 }]) {
      expect((await api(server.url, 'POST', '/api/offices/NOTE-1/notes', bad)).status).toBe(400);
    }
    expect((await api(server.url, 'POST', '/api/offices/NOPE/notes', { text: 'hello' })).status).toBe(404);
    const list = await api(server.url, 'GET', '/api/offices/NOTE-1/notes');
    expect(list.body.notes).toHaveLength(1);
    expect((await server.runtime.store.getOffice('NOTE-1'))!.version).toBe(1); // a note is no transition
    const office = await page('/offices/NOTE-1');
    expect(office.text).toMatch(/<li data-kind="note">[\s\S]*Called the director: answer next week/);
  });

  test('any event takes an optional note, kept in history and shown with its transition', async () => {
    await seedOffice(server.runtime, 'NOTE-2', [...PATH.siteWork, { type: 'SITE_DIFFICULTY', reason: 'No power' }]);
    const tooLong = await api(server.url, 'POST', '/api/offices/NOTE-2/events', { type: 'DIFFICULTY_RESOLVED', note: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    const ok = await api(server.url, 'POST', '/api/offices/NOTE-2/events', { type: 'DIFFICULTY_RESOLVED', note: 'generator installed' });
    expect(ok.status).toBe(200);
    const last = (await server.runtime.store.history('NOTE-2')).at(-1)!;
    expect(last).toMatchObject({ type: 'DIFFICULTY_RESOLVED', payload: { note: 'generator installed' } });
    const office = await page('/offices/NOTE-2');
    expect(office.text).toContain('<blockquote class="note">generator installed</blockquote>');
    expect(office.text).toContain('Site difficulty → Site work');
  });
});

describe('the Gold Disk of a shipment', () => {
  test('KIT_SHIPPED refuses a version that was never released, through the API and the engine alike', async () => {
    await seedOffice(server.runtime, 'KIT-1', PATH.deployment);
    await releaseGoldDisk(server.runtime, { version: '3.0' }, { actor: 'test' });
    const refused = await api(server.url, 'POST', '/api/offices/KIT-1/events', { type: 'KIT_SHIPPED', goldDiskVersion: '3.1' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('"3.1" was never released');
    await expect(server.runtime.engine.apply('KIT-1', { type: 'KIT_SHIPPED', goldDiskVersion: '2.9' }, { actor: 'test' })).rejects.toThrow(/never released/);
    expect((await server.runtime.store.getOffice('KIT-1'))!.states).toEqual(['deployment.awaitingKit']);
    expect(await server.runtime.programme.shipmentsOf('KIT-1')).toEqual([]);
    const shipped = await api(server.url, 'POST', '/api/offices/KIT-1/events', { type: 'KIT_SHIPPED', goldDiskVersion: '3.0' });
    expect(shipped.status).toBe(200);
    expect(await server.runtime.programme.shipmentsOf('KIT-1')).toEqual([expect.objectContaining({ version: '3.0' })]);
    expect((await page('/offices/KIT-1')).text).toMatch(/<tr data-kit="KIT_SHIPPED">[\s\S]*Gold Disk 3\.0/);
  });
});

describe('a Gold Disk recall from its page', () => {
  test('shows which offices it would hold, and runs only once confirmed for that count', async () => {
    await seedOffice(server.runtime, 'RECALL-1', PATH.deployment);
    await releaseGoldDisk(server.runtime, { version: '4.0' }, { actor: 'test' });
    const post = (fields: [string, string][]) =>
      fetch(`${server.url}/programme/gold-disk/hold`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    const ask: [string, string][] = [['reason', 'Corrupt image'], ['recall', '4.0']];
    const preview = await post(ask);
    expect(preview.status).toBe(200);
    const text = await preview.text();
    expect(text).toContain('Recall Gold Disk 4.0 and hold deployment: confirm');
    expect(text).toContain('data-office="RECALL-1"');
    const count = /id="preview-heading" data-count="(\d+)"/.exec(text)![1]!;
    expect((await server.runtime.programme.getGoldDisk('4.0'))!.status).toBe('current');
    expect((await server.runtime.store.getOffice('RECALL-1'))!.states).toEqual(['deployment.awaitingKit']);
    const done = await post([...ask, ['confirm', 'yes'], ['expectedCount', count]]);
    expect(done.status).toBe(303);
    expect((await server.runtime.programme.getGoldDisk('4.0'))!.status).toBe('recalled');
    // The hold runs as background work after the redirect: wait for it, bounded. (On SQLite the
    // read waits its turn behind the batch; on PostgreSQL it reads what has committed so far.)
    const held = async () => (await server.runtime.store.getOffice('RECALL-1'))!.states;
    for (const until = Date.now() + 15_000; (await held())[0] !== 'deployment.onHold' && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    expect(await held()).toEqual(['deployment.onHold']);
  });
});

describe('an over-full enrolment', () => {
  test('keeps what was ticked and says how to fit', async () => {
    await createWorkshop(server.runtime, { id: 'WS-SMALL', title: 'Small workshop', city: 'Lima', country: 'PE', start: '2030-05-01', end: '2030-05-03', capacity: 1 });
    await seedOffice(server.runtime, 'ENR-1', [...PATH.preparing, { type: 'FOCAL_POINT_NOMINATED', name: 'Ana', email: 'ana@enr1.example' }]);
    await seedOffice(server.runtime, 'ENR-2', [...PATH.preparing, { type: 'FOCAL_POINT_NOMINATED', name: 'Luis', email: 'luis@enr2.example' }]);
    const ids = [...await server.runtime.programme.focalPointsOf('ENR-1'), ...await server.runtime.programme.focalPointsOf('ENR-2')].map((f) => f.id);
    const post = (fields: [string, string][]) =>
      fetch(`${server.url}/programme/workshops/WS-SMALL/enrol`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    const ticked = ids.map((id): [string, string] => ['focalPointId', String(id)]);
    const res = await post(ticked);
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(text).toContain('Only 1 place left and 2 ticked: untick 1 focal point, or raise the capacity to 2.');
    for (const id of ids) expect(text).toMatch(new RegExp(`value="${id}" id="e-${id}"[^>]*checked`));
    expect(text).toContain('Raise to 2 places and enrol the 2 ticked');
    expect((await server.runtime.store.getOffice('ENR-1'))!.states).toContain('preparing.training.nominated');
    // A capacity is only raised here, never lowered; a bad one is a 400 page; neither changes anything.
    expect((await post([...ticked, ['capacity', '0']])).status).toBe(400);
    expect((await post([...ticked, ['capacity', 'lots']])).status).toBe(400);
    expect((await server.runtime.programme.getWorkshop('WS-SMALL'))!.capacity).toBe(1);
    // The offered fix: raise and enrol in one go.
    const fixed = await post([...ticked, ['capacity', '2']]);
    expect(fixed.status).toBe(303);
    expect((await server.runtime.programme.getWorkshop('WS-SMALL'))!.capacity).toBe(2);
    for (const office of ['ENR-1', 'ENR-2']) expect((await server.runtime.store.getOffice(office))!.states).toContain('preparing.training.enrolled');
  });
});
