import fc from 'fast-check';
import { officeEventTypes } from '../machines/events';
import { verify } from '../engine/verify';
import { toOfficeView } from '../engine/view';
import { api, startServer, type TestServer } from './helpers/server';

/**
 * Property-based fuzzing of the JSON API with fast-check: random bodies, headers, event sequences
 * and list queries. Whatever arrives, the server never answers 5xx, a rejected request changes
 * nothing (office count, version, history), an accepted event moves the version by exactly one,
 * and the data always passes `verify`.
 */

jest.setTimeout(120_000);

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const officeCount = async () => Object.values(await server.runtime.store.countByStage()).reduce((a, b) => a + b, 0);
const historyLength = async (id: string) => (await server.runtime.store.history(id)).length;
const versionOf = async (id: string) => (await server.runtime.store.getOffice(id))?.version;

/** Strings that tend to break things: empty, whitespace, quotes, SQL, LIKE wildcards, HTML, unicode. */
const nasty = fc.constantFrom('', ' ', '\t', 'FR', 'fr', 'ch', 'XX', 'kit', 'internet', 'null', '0', '-1', '1e309', '%', '_', '\\', "'; DROP TABLE offices;--", '<script>alert(1)</script>', '🦄', 'é', '\u0000', 'a'.repeat(5000));
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 40 }), nasty);
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const anyValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(text, scalar, { maxKeys: 4 }));
const officeId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,70}$/);

const officeBody = fc.record(
  {
    id: fc.oneof(officeId, anyValue),
    name: fc.oneof(fc.string({ minLength: 1, maxLength: 320 }), anyValue),
    country: fc.oneof(fc.constantFrom('FR', 'es', 'BR', 'ke', 'XX', 'F', 'FRA'), anyValue),
    city: anyValue,
    language: fc.oneof(fc.constantFrom('fr', 'EN', 'es', 'zz', 'eng'), anyValue),
    track: fc.oneof(fc.constantFrom('kit', 'internet', 'KIT'), anyValue),
    contacts: fc.oneof(
      fc.array(fc.record({ name: fc.oneof(fc.string(), anyValue), email: fc.oneof(fc.emailAddress(), anyValue), role: anyValue }, { requiredKeys: [] }), { maxLength: 3 }),
      anyValue,
    ),
    extra: anyValue,
  },
  { requiredKeys: [] },
);

/** A body as sent: a JSON value, a plausible office, or raw text (often not JSON at all). */
const rawBody = fc.oneof(
  officeBody.map((b) => JSON.stringify(b)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom('{', '{"name":', '[]', 'null', '"x"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}'),
);
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data');
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

function expectErrorShape(body: unknown): void {
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  expect(typeof error?.code).toBe('string');
  expect(typeof error?.message).toBe('string');
}

test('POST /api/offices: random bodies and headers never give a 5xx; a refusal registers nothing', async () => {
  await fc.assert(
    fc.asyncProperty(rawBody, contentType, fc.option(headerValue), async (body, type, actor) => {
      const before = await officeCount();
      const headers: Record<string, string> = { 'content-type': type };
      if (actor !== null) headers['x-actor'] = actor;
      const res = await api(server.url, 'POST', '/api/offices', body, headers);
      expect(res.status).toBeLessThan(500);
      if (res.status === 201) {
        expect(await officeCount()).toBe(before + 1);
        expect(await versionOf((res.body as { id: string }).id)).toBe(0);
      } else {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expectErrorShape(res.body);
        expect(await officeCount()).toBe(before);
      }
    }),
    { numRuns: 1500, ...budget(20_000) },
  );
  expect((await verify(server.runtime.store)).differences).toEqual([]);
});

/** Fields that make every event type's payload valid (each schema strips what it does not read). */
const VALID_PAYLOAD = { reason: 'Fuzz reason', name: 'Fuzz Focal', email: 'focal@example.org', workshopId: 'WS-1', version: '7.2', goldDiskVersion: '7.1' };

/** Under a loaded machine the runs stop at a time budget instead of running long. */
const budget = (ms: number) => ({ interruptAfterTimeLimit: ms, markInterruptAsFailure: false });

/** An event as sent: a known type with a random or plausible payload, or anything at all. */
const eventBody = fc.oneof(
  fc.record({
    type: fc.constantFrom(...officeEventTypes),
    reason: fc.oneof(fc.string({ minLength: 1, maxLength: 50 }), anyValue),
    name: fc.oneof(fc.string({ minLength: 1 }), anyValue),
    email: fc.oneof(fc.emailAddress(), anyValue),
    workshopId: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), anyValue),
    version: fc.oneof(fc.constantFrom('7.1', '8.0'), anyValue),
    goldDiskVersion: fc.oneof(fc.constant('7.1'), anyValue),
  }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom(...officeEventTypes) }),
  fc.record({ type: anyValue }, { requiredKeys: [] }),
  anyValue,
);

test('POST /api/offices/:id/events: random event sequences never give a 5xx; a refusal changes neither version nor history', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await api<{ id: string }>(server.url, 'POST', '/api/offices', { id: `fuzz-${i}`, name: `Fuzz ${i}`, country: 'FR', track: i % 3 === 0 ? 'internet' : 'kit' });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  // Half the commands take one of the events the office allows now (with a valid payload), so
  // sequences walk deep into the chart; the rest are anything at all.
  const allowedPick = fc.nat().map((n) => ({ allowedPick: n }));
  const command = fc.record({
    office: fc.oneof(fc.constantFrom(...ids), fc.constantFrom(...ids), fc.constantFrom('missing', 'fuzz-999'), officeId),
    body: fc.oneof(allowedPick, eventBody),
    ifMatch: fc.oneof(fc.constant<string | null>(null), fc.constant('current'), fc.nat(20).map(String), headerValue),
    type: fc.oneof(fc.constant('application/json'), contentType),
  });
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
      for (const c of commands) {
        const version = await versionOf(c.office);
        let body: unknown = c.body;
        if (typeof c.body === 'object' && c.body !== null && 'allowedPick' in c.body) {
          const office = await server.runtime.store.getOffice(c.office);
          const allowed = office ? toOfficeView(office).allowedEvents : [];
          const type = allowed.length ? allowed[(c.body.allowedPick as number) % allowed.length] : 'SEND_CIRCULAR';
          body = { type, ...VALID_PAYLOAD };
        }
        const historyBefore = version === undefined ? 0 : await historyLength(c.office);
        const headers: Record<string, string> = { 'content-type': c.type };
        if (c.ifMatch === 'current') headers['if-match'] = `"${version ?? 0}"`;
        else if (c.ifMatch !== null) headers['if-match'] = c.ifMatch;
        const res = await api(server.url, 'POST', `/api/offices/${encodeURIComponent(c.office)}/events`, JSON.stringify(body), headers);
        expect(res.status).toBeLessThan(500);
        if (res.status === 200) {
          accepted++;
          expect(await versionOf(c.office)).toBe((version ?? -1) + 1);
          const history = await server.runtime.store.history(c.office);
          expect(history).toHaveLength(historyBefore + 1);
          expect(history.at(-1)?.type).toBe((body as { type: string }).type);
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expectErrorShape(res.body);
          expect(await versionOf(c.office)).toBe(version);
          if (version !== undefined) expect(await historyLength(c.office)).toBe(historyBefore);
        }
      }
    }),
    { numRuns: 300, ...budget(25_000) },
  );
  // The generators reach real transitions, not only refusals.
  expect(accepted).toBeGreaterThan(10);
  expect((await verify(server.runtime.store)).differences).toEqual([]);
});

test('GET /api/offices: random query strings never give a 5xx', async () => {
  const key = fc.constantFrom('stage', 'state', 'country', 'q', 'limit', 'offset', 'stalled', 'sort', 'x');
  const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('invited', 'preparing.site.blocked', 'FR', '0', '-1', '1001', '1e3', 'NaN', 'true', '%', '_', "'"));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 6 }), async (pairs) => {
      const query = new URLSearchParams(pairs).toString();
      const res = await api<{ offices?: unknown[]; total?: number }>(server.url, 'GET', `/api/offices?${query}`);
      expect(res.status).toBeLessThan(500);
      if (res.status === 200) {
        expect(Array.isArray(res.body.offices)).toBe(true);
        expect(typeof res.body.total).toBe('number');
      } else {
        expect(res.status).toBe(400);
        expectErrorShape(res.body);
      }
    }),
    { numRuns: 800, ...budget(10_000) },
  );
});
