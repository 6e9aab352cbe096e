/**
 * Bad input never reaches a 5xx and never changes anything: each case below is a 4xx with the
 * `{"error":{"code","message","details"}}` shape, and the office (and the office count) is the same
 * before and after.
 */
import { api, registerOffice, startServer, type ApiResponse, type TestServer } from './helpers/server';

let server: TestServer;
let url: string;
let id: string;
const BODY_LIMIT = '64kb';

beforeAll(async () => {
  server = await startServer({ config: { BODY_LIMIT } });
  url = server.url;
  id = await registerOffice(url, { id: 'KE-NAIROBI', country: 'KE' });
  // In `invited`, REPLY_DECLINED {reason} is allowed: a rejected payload is rejected for its shape.
  expect((await api(url, 'POST', `/api/offices/${id}/events`, { type: 'SEND_CIRCULAR' })).status).toBe(200);
});
afterAll(async () => {
  await server?.close();
});

/** What a rejected request must not touch (the view's clock-relative fields, e.g. reminders due in, are left out). */
async function stateOfServer() {
  const office = (await api(url, 'GET', `/api/offices/${id}`)).body;
  const history = await api(url, 'GET', `/api/offices/${id}/history`);
  const list = await api(url, 'GET', '/api/offices?limit=1000');
  const { name, country, contacts, stage, states, version, enteredAt, allowedEvents, context, updatedAt } = office;
  return {
    office: { name, country, contacts, stage, states, version, enteredAt, allowedEvents, context, updatedAt },
    history: history.body,
    ids: list.body.offices.map((o: { id: string }) => o.id),
  };
}

function expectErrorShape(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body).toEqual({
    error: { code, message: expect.any(String), details: expect.any(Object) },
  });
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

type Case = [label: string, method: string, path: () => string, body: unknown, headers: Record<string, string>, status: number, code: string];

const events = () => `/api/offices/${id}/events`;
const huge = 'x'.repeat(200 * 1024);

const cases: Case[] = [
  // events
  ['malformed JSON', 'POST', events, '{"type": "REPLY_DECLINED", "reason": ', {}, 400, 'invalid_json'],
  ['a JSON array instead of an object', 'POST', events, '[{"type":"REPLY_AFFIRMATIVE"}]', {}, 400, 'invalid_input'],
  ['a bare JSON string', 'POST', events, '"REPLY_AFFIRMATIVE"', {}, 400, 'invalid_json'],
  ['no body at all', 'POST', events, undefined, {}, 400, 'invalid_input'],
  ['a body that is not JSON', 'POST', events, 'type=REPLY_AFFIRMATIVE', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
  ['an unknown event type', 'POST', events, { type: 'TELEPORT' }, {}, 400, 'invalid_event'],
  ['an event type that is an Object.prototype key', 'POST', events, { type: 'constructor' }, {}, 400, 'invalid_event'],
  ['a lower-case event type', 'POST', events, { type: 'reply_affirmative' }, {}, 400, 'invalid_event'],
  ['an event type that is not a string', 'POST', events, { type: 42 }, {}, 400, 'invalid_input'],
  ['a missing payload field', 'POST', events, { type: 'SITE_DIFFICULTY' }, {}, 400, 'invalid_event'],
  ['a payload field of the wrong type', 'POST', events, { type: 'REPLY_DECLINED', reason: 42 }, {}, 400, 'invalid_event'],
  ['a blank reason', 'POST', events, { type: 'REPLY_DECLINED', reason: '   ' }, {}, 400, 'invalid_event'],
  ['a reason past its maximum length', 'POST', events, { type: 'REPLY_DECLINED', reason: 'r'.repeat(2001) }, {}, 400, 'invalid_event'],
  ['a bad email in a payload', 'POST', events, { type: 'FOCAL_POINT_NOMINATED', name: 'A', email: 'a-at-example.org' }, {}, 400, 'invalid_event'],
  ['a valid event with a stale If-Match', 'POST', events, { type: 'WITHDRAWN', reason: 'x' }, { 'If-Match': '"99"' }, 412, 'version_mismatch'],
  ['a body over the size limit', 'POST', events, { type: 'REPLY_DECLINED', reason: huge }, {}, 413, 'body_too_large'],
  ['an unsupported charset', 'POST', events, '{"type":"REPLY_AFFIRMATIVE"}', { 'content-type': 'application/json; charset=latin9' }, 415, 'unsupported_encoding'],
  ['an event for an unknown office', 'POST', () => '/api/offices/NO-SUCH-OFFICE/events', { type: 'SEND_CIRCULAR' }, {}, 404, 'office_not_found'],
  ['an event not allowed now', 'POST', events, { type: 'KIT_INSTALLED' }, {}, 409, 'event_not_allowed'],
  ['a non-numeric If-Match', 'POST', events, { type: 'REPLY_AFFIRMATIVE' }, { 'If-Match': 'yesterday' }, 400, 'invalid_if_match'],
  ['If-Match: *', 'POST', events, { type: 'REPLY_AFFIRMATIVE' }, { 'If-Match': '*' }, 400, 'invalid_if_match'],
  ['a list in If-Match', 'POST', events, { type: 'REPLY_AFFIRMATIVE' }, { 'If-Match': '"1", "2"' }, 400, 'invalid_if_match'],
  ['a stale If-Match', 'POST', events, { type: 'REPLY_AFFIRMATIVE' }, { 'If-Match': '"0"' }, 412, 'version_mismatch'],
  ['a future If-Match', 'POST', events, { type: 'REPLY_AFFIRMATIVE' }, { 'If-Match': 'W/"999999999999999"' }, 412, 'version_mismatch'],
  // reads
  ['an unknown office', 'GET', () => '/api/offices/NO-SUCH-OFFICE', undefined, {}, 404, 'office_not_found'],
  ['the history of an unknown office', 'GET', () => '/api/offices/NO-SUCH-OFFICE/history', undefined, {}, 404, 'office_not_found'],
  ['an over-long office id', 'GET', () => `/api/offices/${'a'.repeat(300)}`, undefined, {}, 400, 'invalid_input'],
  ['a broken percent-encoding in the path', 'GET', () => '/api/offices/%E0%A4%A', undefined, {}, 400, 'bad_request'],
  ['an unknown stage filter', 'GET', () => '/api/offices?stage=orbiting', undefined, {}, 400, 'invalid_input'],
  ['an unknown state filter', 'GET', () => '/api/offices?state=preparing.site.nowhere', undefined, {}, 400, 'invalid_input'],
  ['a repeated stage filter', 'GET', () => '/api/offices?stage=invited&stage=declined', undefined, {}, 400, 'invalid_input'],
  ['a bad country filter', 'GET', () => '/api/offices?country=XX', undefined, {}, 400, 'invalid_input'],
  ['a zero limit', 'GET', () => '/api/offices?limit=0', undefined, {}, 400, 'invalid_input'],
  ['a non-numeric limit', 'GET', () => '/api/offices?limit=many', undefined, {}, 400, 'invalid_input'],
  ['a limit over the maximum', 'GET', () => '/api/offices?limit=100000', undefined, {}, 400, 'invalid_input'],
  ['a negative offset', 'GET', () => '/api/offices?offset=-5', undefined, {}, 400, 'invalid_input'],
  ['a fractional offset', 'GET', () => '/api/offices?offset=1.5', undefined, {}, 400, 'invalid_input'],
  ['an over-long search', 'GET', () => `/api/offices?q=${'q'.repeat(201)}`, undefined, {}, 400, 'invalid_input'],
  ['an unknown route', 'GET', () => '/api/nothing-here', undefined, {}, 404, 'route_not_found'],
  ['an unknown method on a route', 'DELETE', () => `/api/offices/${id}`, undefined, {}, 404, 'route_not_found'],
  // registration
  ['a duplicate id', 'POST', () => '/api/offices', { id: 'KE-NAIROBI', name: 'Impostor', country: 'KE' }, {}, 409, 'office_exists'],
  ['an unknown country code', 'POST', () => '/api/offices', { name: 'X', country: 'XX' }, {}, 400, 'invalid_input'],
  ['a three-letter country code', 'POST', () => '/api/offices', { name: 'X', country: 'KEN' }, {}, 400, 'invalid_input'],
  ['a numeric country', 'POST', () => '/api/offices', { name: 'X', country: 404 }, {}, 400, 'invalid_input'],
  ['an unknown language code', 'POST', () => '/api/offices', { name: 'X', country: 'KE', language: 'qq' }, {}, 400, 'invalid_input'],
  ['a three-letter language code', 'POST', () => '/api/offices', { name: 'X', country: 'KE', language: 'swa' }, {}, 400, 'invalid_input'],
  ['a missing name', 'POST', () => '/api/offices', { country: 'KE' }, {}, 400, 'invalid_input'],
  ['an unknown track', 'POST', () => '/api/offices', { name: 'X', country: 'KE', track: 'satellite' }, {}, 400, 'invalid_input'],
  ['an id with a slash', 'POST', () => '/api/offices', { id: 'KE/2', name: 'X', country: 'KE' }, {}, 400, 'invalid_input'],
  ['a contact with a bad email', 'POST', () => '/api/offices', { name: 'X', country: 'KE', contacts: [{ name: 'A', email: 'not-an-email' }] }, {}, 400, 'invalid_input'],
  ['contacts that are not a list', 'POST', () => '/api/offices', { name: 'X', country: 'KE', contacts: 'A <a@example.org>' }, {}, 400, 'invalid_input'],
  ['too many contacts', 'POST', () => '/api/offices', { name: 'X', country: 'KE', contacts: Array.from({ length: 51 }, (_, i) => ({ name: `C${i}`, email: `c${i}@example.org` })) }, {}, 400, 'invalid_input'],
  ['a registration over the size limit', 'POST', () => '/api/offices', { name: huge, country: 'KE' }, {}, 413, 'body_too_large'],
  ['malformed JSON on registration', 'POST', () => '/api/offices', '{"name": "X", "country": "KE"', {}, 400, 'invalid_json'],
  // import
  ['an import sent as application/json', 'POST', () => '/api/import', { kind: 'office', name: 'X', country: 'KE' }, {}, 415, 'unsupported_media_type'],
  ['an empty import', 'POST', () => '/api/import', '', { 'content-type': 'application/x-ndjson' }, 400, 'import_invalid'],
  // PostgreSQL text cannot hold U+0000: refused at the edge on every backend.
  ['a NUL character in a reason', 'POST', events, { type: 'REPLY_DECLINED', reason: 'No\u0000budget' }, {}, 400, 'invalid_input'],
  ['a NUL character in a contact, nested', 'POST', () => '/api/offices', { name: 'X', country: 'KE', contacts: [{ name: 'A\u0000', email: 'a@example.org' }] }, {}, 400, 'invalid_input'],
  ['a NUL character in a query', 'GET', () => '/api/offices?q=a%00b', undefined, {}, 400, 'invalid_input'],
  ['a NUL character in an import line', 'POST', () => '/api/import', `${JSON.stringify({ kind: 'office', name: 'X\u0000', country: 'KE' })}\n`, { 'content-type': 'application/x-ndjson' }, 400, 'import_invalid'],
  ['an import over the size limit', 'POST', () => '/api/import', `${JSON.stringify({ kind: 'office', name: huge, country: 'KE' })}\n`, { 'content-type': 'application/x-ndjson' }, 413, 'body_too_large'],
];

test.each(cases.map((c) => [`${c[0]} → ${c[5]} ${c[6]}`, c] as const))('%s, and nothing changed', async (_title, [, method, path, body, headers, status, code]) => {
  const before = await stateOfServer();
  const res = await api(url, method, path(), body, headers);
  expectErrorShape(res, status, code);
  expect(await stateOfServer()).toEqual(before);
});

test('the office is still where the setup left it', async () => {
  const res = await api(url, 'GET', `/api/offices/${id}`);
  expect(res.body).toMatchObject({ states: ['invited'], version: 1, name: 'Test Office' });
});
