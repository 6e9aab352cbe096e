import { fixedClock } from '../engine/clock';
import { eventAction } from '../machines/labels';
import { HAND_BUILT_NOW, loadHandBuilt } from './fixtures/analytics-history';
import { api, startServer, TEST_ADMIN_TOKEN, type TestServer } from './helpers/server';

let server: TestServer;
const period = 'from=2025-01-01&to=2025-12-31';

beforeAll(async () => {
  server = await startServer({ runtime: { clock: fixedClock(HAND_BUILT_NOW) } });
  await loadHandBuilt(server.runtime);
});
afterAll(() => server.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads the JSON answers loosely
const stateOf = (body: any, state: string) => body.states.find((s: { state: string }) => s.state === state);

describe('durations', () => {
  test('invited: 10, 20 and 30 days for the offices that replied, 360 so far for the one that did not', async () => {
    const res = await api(server.url, 'GET', `/api/analytics/durations?${period}`);
    expect(res.status).toBe(200);
    const invited = stateOf(res.body, 'invited');
    expect(invited).toMatchObject({ entered: 4, left: 3, stillInside: 1, sample: 4, owner: 'office', kind: 'stage' });
    // Nearest rank over [10, 20, 30, 360].
    expect(invited.calendarDays).toEqual({ median: 20, p75: 30, p90: 360, max: 360 });
    // Weekdays only: A Monday 6 to Thursday 16 January 8, D to Sunday 26 January 15, B to Wednesday
    // 5 February 22, C to Thursday 1 January 2026 258 (51 weeks and three days).
    expect(invited.businessDays).toEqual({ median: 15, p75: 22, p90: 258, max: 258 });
  });

  test('preparing: A 58 days, B still inside after 330; site survey of A 10 days', async () => {
    const res = await api(server.url, 'GET', `/api/analytics/durations?${period}`);
    expect(stateOf(res.body, 'preparing')).toMatchObject({ entered: 2, left: 1, stillInside: 1, calendarDays: { median: 58, max: 330 } });
    expect(stateOf(res.body, 'preparing.site.surveying')).toMatchObject({ entered: 2, left: 1, stillInside: 1, calendarDays: { median: 10, max: 330 } });
    expect(stateOf(res.body, 'deployment.inTransit')).toMatchObject({ entered: 1, left: 1, calendarDays: { median: 14, p90: 14 } });
  });

  test('track and region filters narrow the offices', async () => {
    const kit = await api(server.url, 'GET', `/api/analytics/durations?${period}&track=kit`);
    expect(stateOf(kit.body, 'invited')).toMatchObject({ sample: 3, calendarDays: { median: 30, max: 360 } });
    const asia = await api(server.url, 'GET', `/api/analytics/durations?${period}&region=Asia`);
    expect(stateOf(asia.body, 'invited')).toMatchObject({ sample: 1, calendarDays: { median: 20 } });
    expect(stateOf(asia.body, 'declined')).toMatchObject({ entered: 1, stillInside: 1 });
  });

  test('as of an earlier end, later rows do not count', async () => {
    const res = await api(server.url, 'GET', '/api/analytics/durations?from=2025-01-01&to=2025-01-15');
    // On 16 January nobody had replied: four offices inside for 10 days so far.
    expect(stateOf(res.body, 'invited')).toMatchObject({ entered: 4, left: 0, stillInside: 4, calendarDays: { median: 10, max: 10 } });
  });
});

test('funnel: 4 invited, 2 said yes, 1 trained, installed and handed over, with the days between', async () => {
  const res = await api(server.url, 'GET', `/api/analytics/funnel?${period}`);
  expect(res.status).toBe(200);
  expect(res.body.steps.map((s: { step: string; offices: number; conversion: number; medianDaysFromPrevious: number | null }) => [s.step, s.offices, s.conversion, s.medianDaysFromPrevious])).toEqual([
    ['invited', 4, 1, null],
    ['affirmative', 2, 0.5, 10],
    ['trained', 1, 0.5, 44],
    ['installedOrConnected', 1, 1, 61],
    ['handedOver', 1, 1, 32],
  ]);
});

test('flow: offices per stage at each month end', async () => {
  const res = await api(server.url, 'GET', `/api/analytics/flow?${period}&interval=month`);
  expect(res.status).toBe(200);
  const at = (iso: string) => res.body.points.find((p: { at: string }) => p.at === iso).stages;
  expect(at('2025-02-01T00:00:00.000Z')).toMatchObject({ invited: 2, preparing: 1, declined: 1, handedOver: 0 });
  expect(at('2025-06-01T00:00:00.000Z')).toMatchObject({ installed: 1, preparing: 1, invited: 1, declined: 1 });
  expect(at('2026-01-01T00:00:00.000Z')).toMatchObject({ handedOver: 1, preparing: 1, invited: 1, declined: 1, prospect: 0 });
  expect(res.body.points).toHaveLength(12);
  const weeks = await api(server.url, 'GET', `/api/analytics/flow?${period}&interval=week`);
  expect(weeks.body.points[0].at).toBe('2025-01-06T00:00:00.000Z');
  expect(weeks.body.points[0].stages).toMatchObject({ prospect: 4, invited: 0 });
});

describe('sla', () => {
  test('invited in 2025-Q1 under its 30 days: three within, C stalled and escalated', async () => {
    const res = await api(server.url, 'GET', `/api/analytics/sla?${period}`);
    expect(res.status).toBe(200);
    const row = res.body.rows.find((r: { quarter: string; state: string }) => r.quarter === '2025-Q1' && r.state === 'invited');
    expect(row).toMatchObject({ sla: 'P30D', entries: 4, withinSla: 3, stalled: 1, escalated: 1, open: 0, shareWithinSla: 0.75, shareStalled: 0.25 });
  });

  test('what if invited had 20 days: B becomes stalled but not escalated', async () => {
    const res = await api(server.url, 'GET', `/api/analytics/sla?${period}&policy=invited:P20D`);
    const row = res.body.rows.find((r: { quarter: string; state: string }) => r.quarter === '2025-Q1' && r.state === 'invited');
    expect(row).toMatchObject({ sla: 'P20D', entries: 4, withinSla: 2, stalled: 2, escalated: 1 });
    expect(res.body.policies.find((p: { state: string }) => p.state === 'invited')).toEqual({ state: 'invited', sla: 'P20D', overridden: true });
  });
});

test('slowest offices: C in invited for 360 days, waiting on the office to reply', async () => {
  const res = await api(server.url, 'GET', `/api/analytics/slowest?${period}`);
  expect(res.status).toBe(200);
  const invited = res.body.states.find((s: { state: string }) => s.state === 'invited');
  expect(invited.inside).toBe(1);
  expect(invited.offices[0]).toMatchObject({ officeId: 'C', days: 360, overdue: true, waitingOn: 'office' });
  expect(invited.offices[0].nextSteps).toEqual(expect.arrayContaining([eventAction('REPLY_AFFIRMATIVE'), eventAction('REPLY_DECLINED')]));
  const declined = res.body.states.find((s: { state: string }) => s.state === 'declined');
  expect(declined.offices[0]).toMatchObject({ officeId: 'D', reason: 'No budget', waitingOn: 'wipo' });
});

describe('CSV', () => {
  test('format=csv and Accept: text/csv answer the same table, formulas escaped', async () => {
    const byParam = await api(server.url, 'GET', `/api/analytics/slowest?${period}&format=csv`);
    const byAccept = await api(server.url, 'GET', `/api/analytics/slowest?${period}`, undefined, { accept: 'text/csv' });
    expect(byParam.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(byParam.headers.get('content-disposition')).toMatch(/attachment; filename="slowest-offices-2026-01-01\.csv"/);
    expect(byAccept.body).toBe(byParam.body);
    const lines = (byParam.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('office_id,name,country,state,label,entered_at,days,business_days,overdue,waiting_on,next_steps,reason');
    expect(lines.find((l) => l.startsWith('C,'))).toMatch(/^C,"'=HYPERLINK\(""http:\/\/x\.example""\)",SN,invited,Invited,2025-01-06T00:00:00\.000Z,360,/);
  });

  test('/api/offices and /api/stuck answer CSV too, by parameter or Accept header', async () => {
    const offices = await api(server.url, 'GET', '/api/offices?format=csv');
    expect(offices.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (offices.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('id,name,country,city,language,track,stage,states,version,contact_name,contact_email,created_at,updated_at');
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.startsWith('C,'))).toMatch(/^C,"'=HYPERLINK\(""http:\/\/x\.example""\)",SN,,en,kit,invited,invited,1,Director C,c@ipo\.example,/);
    const json = await api(server.url, 'GET', '/api/offices');
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const stuck = await api(server.url, 'GET', '/api/stuck', undefined, { accept: 'text/csv' });
    expect(stuck.headers.get('content-disposition')).toBe('attachment; filename="stuck-offices.csv"');
    const stuckLines = (stuck.body as string).trim().split('\r\n');
    expect(stuckLines[0]).toMatch(/^office_id,name,country,state,owner,entered_at,days_in_state,days_overdue,/);
    expect(stuckLines.some((l) => l.startsWith(`C,"'=HYPERLINK`) && l.includes(',invited,office,2025-01-06T00:00:00.000Z,'))).toBe(true);
  });

  test('every analytics list answers CSV', async () => {
    for (const p of ['durations', 'funnel', 'flow', 'sla']) {
      const res = await fetch(`${server.url}/api/analytics/${p}?${period}&format=csv`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect({ p, status: res.status, type: res.headers.get('content-type') }).toEqual({ p, status: 200, type: 'text/csv; charset=utf-8' });
      expect((await res.text()).split('\r\n').length).toBeGreaterThan(2);
    }
  });
});

describe('bad input is a 400 and changes nothing', () => {
  test.each([
    '/api/analytics/durations?from=1989-12-31',
    '/api/analytics/durations?to=2101-01-01',
    '/api/analytics/durations?from=2025-02-01&to=2025-01-01',
    '/api/analytics/funnel?from=2025-02-30',
    '/api/analytics/flow?interval=day',
    '/api/analytics/flow?from=1990-01-01&to=2100-12-31&interval=week',
    '/api/analytics/sla?policy=invited:45',
    '/api/analytics/sla?policy=prospect:P45D',
    '/api/analytics/durations?track=boat',
    '/api/analytics/durations?region=Atlantis',
    '/api/analytics/slowest?perState=0',
  ])('%s', async (url) => {
    const res = await api(server.url, 'GET', url);
    expect({ url, status: res.status, code: res.body?.error?.code }).toEqual({ url, status: 400, code: 'invalid_input' });
  });

});
