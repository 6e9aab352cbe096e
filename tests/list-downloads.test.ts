import { seedOffice } from './helpers/browser';
import { api, type TestServer } from './helpers/server';
import { startMapServer } from './map-fixture';

/** The "Download CSV" link of each office list page gives the same list, with the same filters, as CSV. */

let server: TestServer;

beforeAll(async () => {
  server = await startMapServer();
  // More offices than a page holds: the download has them all.
  for (let i = 0; i < 55; i++) await seedOffice(server.runtime, `CA-${String(i).padStart(2, '0')}`, [], { country: 'CA', name: `Canada office ${String(i).padStart(2, '0')}` });
});

afterAll(async () => {
  await server?.close();
});

const unescape = (href: string) => href.replace(/&amp;/g, '&');

/** Opens the page, follows its Download CSV link and returns the link and the CSV's rows by column. */
async function download(pagePath: string): Promise<{ href: string; rows: Record<string, string>[]; pageRows: string[] }> {
  const page = await api<string>(server.url, 'GET', pagePath);
  expect(page.status).toBe(200);
  const match = /<a class="btn secondary" href="([^"]+)" download>Download CSV<\/a>/.exec(page.body);
  expect(match).not.toBeNull();
  const href = unescape(match![1]!);
  const res = await api<string>(server.url, 'GET', href);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"]+\.csv"$/);
  const [header, ...lines] = res.body.trim().split('\r\n').map((l) => l.split(','));
  const rows = lines.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ''])));
  return { href, rows, pageRows: [...page.body.matchAll(/<tr data-office="([^"]+)"/g)].map((m) => m[1]!) };
}

test('/offices: the download keeps the country filter and lists the offices the page lists', async () => {
  const { href, rows, pageRows } = await download('/offices?country=KE');
  expect(href).toBe('/offices?country=KE&format=csv');
  expect(rows.map((r) => r.id)).toEqual(['KE-2', 'KE-1', 'KE-3']);
  expect(rows.map((r) => r.id)).toEqual(pageRows);
  expect(new Set(rows.map((r) => r.country))).toEqual(new Set(['KE']));
});

test('/offices: stalled and stage filters together, the same rows as the API', async () => {
  const { href, rows } = await download('/offices?stalled=1&stage=invited');
  expect(href).toBe('/offices?stage=invited&stalled=1&format=csv');
  const list = await api<{ offices: { id: string }[] }>(server.url, 'GET', '/api/offices?stalled=true&stage=invited&limit=1000');
  expect(rows.map((r) => r.id)).toEqual(list.body.offices.map((o) => o.id));
  expect(rows.map((r) => r.id).sort()).toEqual(['KE-1', 'KE-2']);
});

test('/offices: the download is the whole filtered list, not the page shown', async () => {
  const { rows, pageRows } = await download('/offices?country=CA');
  expect(pageRows).toHaveLength(50);
  expect(rows).toHaveLength(55);
  expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 55 }, (_, i) => `CA-${String(i).padStart(2, '0')}`));
});

test('/stuck: the download keeps the filters and has the rows of /api/stuck', async () => {
  const all = await download('/stuck');
  expect(all.href).toBe('/stuck?format=csv');
  const api_ = await api<{ rows: { officeId: string }[] }>(server.url, 'GET', '/api/stuck?limit=1000');
  expect(all.rows.map((r) => r.office_id)).toEqual(api_.body.rows.map((r) => r.officeId));
  expect(all.rows.length).toBeGreaterThan(2);

  const invited = await download('/stuck?stage=invited&owner=office');
  expect(invited.href).toBe('/stuck?owner=office&stage=invited&format=csv');
  const filtered = await api<{ rows: { officeId: string }[] }>(server.url, 'GET', '/api/stuck?stage=invited&owner=office&limit=1000');
  expect(invited.rows.map((r) => r.office_id)).toEqual(filtered.body.rows.map((r) => r.officeId));
  expect(invited.rows.map((r) => r.office_id).sort()).toEqual(['KE-1', 'KE-2']);
  expect(invited.rows.length).toBeLessThan(all.rows.length);
});
