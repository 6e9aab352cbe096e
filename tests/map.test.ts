import { COLOUR_BY } from '../analytics/countries';
import { NO_OFFICE_FILL } from '../server/map/colours';
import { worldShapes } from '../server/map/world';
import { startMapServer } from './map-fixture';
import { api, type TestServer } from './helpers/server';

/** GET /api/analytics/countries and /map against a small programme whose figures are known. */

let server: TestServer;

beforeAll(async () => {
  server = await startMapServer();
});

afterAll(async () => {
  await server?.close();
});

interface Country {
  country: string;
  offices: number;
  stages: Record<string, number>;
  stage: string;
  stalled: number;
  stalledShare: number;
  risk: number | null;
  openOffices: number | null;
  fill: string;
  drawn: boolean;
}

async function countries(colour: string): Promise<Country[]> {
  const res = await api<{ countries: Country[] }>(server.url, 'GET', `/api/analytics/countries?colour=${colour}`);
  expect(res.status).toBe(200);
  return res.body.countries;
}

const total = async (query: string) => {
  const res = await api<{ total: number }>(server.url, 'GET', `/api/offices?${query}&limit=1`);
  expect(res.status).toBe(200);
  return res.body.total;
};

/** Each country's path in the SVG: its fill, and the link around it if it has one. */
function svgPaths(page: string): { country: string | null; fill: string; href: string | null }[] {
  const svg = /<svg class="world-map"[\s\S]*?<\/svg>/.exec(page)![0];
  return [...svg.matchAll(/(?:<a href="([^"]*)"[^>]*>)?<path class="country[^"]*" d="[^"]+" fill="(#[0-9a-f]{6})"(?: data-country="([A-Z]{2})")?/g)].map((m) => ({
    href: m[1] ?? null,
    fill: m[2]!,
    country: m[3] ?? null,
  }));
}

test('each country’s figures equal the totals of the office list it opens', async () => {
  const list = await countries('stage');
  expect(list.map((c) => c.country)).toEqual(['BR', 'FR', 'JP', 'KE', 'SG']);
  for (const c of list) {
    expect(c.offices).toBe(await total(`country=${c.country}`));
    expect(c.stalled).toBe(await total(`country=${c.country}&stalled=true`));
    for (const [stage, n] of Object.entries(c.stages)) expect(n).toBe(await total(`country=${c.country}&stage=${stage}`));
    expect(Object.values(c.stages).reduce((a, b) => a + b, 0)).toBe(c.offices);
  }
  const ke = list.find((c) => c.country === 'KE')!;
  expect(ke).toMatchObject({ offices: 3, stage: 'invited', stalled: 2, stalledShare: 0.667, drawn: true });
  // A declined office loses the tie: Brazil shows where its remaining office is.
  expect(list.find((c) => c.country === 'BR')!.stage).toBe('installed');
  expect(list.find((c) => c.country === 'JP')!.stalled).toBe(0);
  expect(list.find((c) => c.country === 'SG')!.drawn).toBe(false);
});

test('the SVG has one path per Natural Earth country, filled as the API says, under every colouring', async () => {
  for (const colour of COLOUR_BY) {
    const figures = new Map((await countries(colour)).map((c) => [c.country, c]));
    const res = await api<string>(server.url, 'GET', `/map?colour=${colour}`);
    expect(res.status).toBe(200);
    const paths = svgPaths(res.body);
    expect(paths).toHaveLength(worldShapes().length);
    const drawn = paths.filter((p) => p.country && figures.has(p.country));
    expect(drawn.map((p) => p.country).sort()).toEqual(['BR', 'FR', 'JP', 'KE']);
    for (const p of drawn) {
      expect(p.fill).toBe(figures.get(p.country!)!.fill);
      expect(p.href).toContain(`country=${p.country}`);
    }
    for (const p of paths.filter((x) => !x.country || !figures.has(x.country))) {
      expect(p.fill).toBe(NO_OFFICE_FILL);
      expect(p.href).toBeNull();
    }
  }
  const byCount = new Map((await countries('count')).map((c) => [c.country, c.fill]));
  // Three offices and one are different bins of the count scale.
  expect(byCount.get('KE')).not.toBe(byCount.get('FR'));
});

test('the risk is the mean chance of missing the deadline over the country’s open offices in the forecast', async () => {
  const list = await countries('risk');
  const forecast = await api<{ offices: { country: string; probability: number }[] }>(server.url, 'GET', '/api/forecast?limit=1000');
  expect(forecast.status).toBe(200);
  for (const c of list) {
    const open = forecast.body.offices.filter((o) => o.country === c.country);
    expect(c.openOffices).toBe(open.length);
    if (open.length === 0) expect(c.risk).toBeNull();
    else expect(c.risk).toBeCloseTo(open.reduce((a, o) => a + 1 - o.probability, 0) / open.length, 3);
  }
  expect(list.some((c) => c.risk !== null)).toBe(true);
  // Without colour=risk no forecast is run.
  expect((await countries('stage')).every((c) => c.risk === null && c.openOffices === null)).toBe(true);
});

test('a click on a country (a plain link) lists its offices on the page', async () => {
  const res = await api<string>(server.url, 'GET', '/map?country=ke');
  expect(res.status).toBe(200);
  const section = /<section class="card" id="country-offices"[\s\S]*?<\/section>/.exec(res.body)![0];
  expect([...section.matchAll(/data-office="([^"]+)"/g)].map((m) => m[1])).toEqual(['KE-2', 'KE-1', 'KE-3']);
  expect(section).toContain('href="/offices?country=KE"');
  expect(svgPaths(res.body).find((p) => p.country === 'KE')!.href).toBe('/map?country=KE#country-offices');
});

test('a bad colour is a 400 in JSON from the API; the page falls back to the stage colouring', async () => {
  const res = await api<{ error: { code: string; message: string } }>(server.url, 'GET', '/api/analytics/countries?colour=rainbow');
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.body.error.code).toBe('invalid_input');
  expect(res.body.error.message).toContain('colour');
  const page = await api<string>(server.url, 'GET', '/map?colour=rainbow');
  expect(page.status).toBe(200);
  expect(page.body).toMatch(/<a class="btn secondary" href="\/map" aria-current="true">Stage<\/a>/);
});

test('format=csv answers the same figures as a CSV table', async () => {
  const json = await countries('stalled');
  const res = await api<string>(server.url, 'GET', '/api/analytics/countries?colour=stalled&format=csv');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  const [header, ...rows] = res.body.trim().split('\r\n').map((l) => l.split(','));
  expect(header!.slice(0, 3)).toEqual(['country', 'name', 'offices']);
  const col = (name: string) => header!.indexOf(name);
  expect(rows.map((r) => [r[col('country')], Number(r[col('offices')]), Number(r[col('stalled')]), r[col('fill')]])).toEqual(
    json.map((c) => [c.country, c.offices, c.stalled, c.fill]),
  );
});
