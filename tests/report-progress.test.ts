import { computeProgressReport, type ProgressReport } from '../programme/report/progress';
import { renderMarkdown } from '../programme/report/markdown';
import { renderReportHtml } from '../programme/report/html';
import { lastCompleteQuarter } from '../programme/report/period';
import { enrol, recordAttendance, createWorkshop } from '../programme/workshops';
import { releaseGoldDisk } from '../programme/gold-disk';
import { event, getJson, invitedAndSiteReady, office, openFixture, type ProgrammeFixture } from './programme-fixture';
import { sqliteDb } from './helpers/sqlite';

/**
 * A programme with known figures for Q1 2003 (1 January – 31 March), loaded through the JSON Lines
 * import with historical times, then more events after the quarter.
 */
const T = (day: string) => `${day}T09:00:00.000Z`;
const DAY = 86_400_000;
const END_Q1 = Date.parse('2003-04-01T00:00:00.000Z');
const daysTo = (day: string, end = END_Q1) => Math.floor((end - Date.parse(T(day))) / DAY);

const workshops = [
  { kind: 'workshop', id: 'W1', title: 'WIPOnet training', city: 'Geneva', country: 'CH', start: '2002-10-14', end: '2002-10-18', capacity: 6, status: 'held' },
  { kind: 'workshop', id: 'W2', title: 'WIPOnet training', city: 'Nairobi', country: 'KE', start: '2003-02-10', end: '2003-02-14', capacity: 5, status: 'held' },
  { kind: 'workshop', id: 'W3', title: 'WIPOnet training', city: 'Santiago', country: 'CL', start: '2003-05-05', end: '2003-05-09', capacity: 10, status: 'planned' },
  { kind: 'workshop', id: 'W4', title: 'WIPOnet training', city: 'Dakar', country: 'SN', start: '2003-06-02', end: '2003-06-06', capacity: 10, status: 'cancelled' },
  { kind: 'workshop', id: 'W5', title: 'WIPOnet training', city: 'Bangkok', country: 'TH', start: '2003-09-01', end: '2003-09-05', capacity: 10, status: 'planned' },
];

const fp = (id: string, n = 1) => ({ name: `Focal Point ${n} of ${id}`, email: `fp${n}@${id.toLowerCase()}.example` });

function kitThroughW2(id: string) {
  return [
    ...invitedAndSiteReady(id, { circular: T('2002-07-02'), yes: T('2002-07-10'), surveyed: T('2002-07-20'), ready: T('2002-09-01') }),
    event(id, T('2002-11-01'), 'FOCAL_POINT_NOMINATED', fp(id)),
    event(id, T('2002-12-01'), 'ENROLLED', { workshopId: 'W2' }),
    event(id, T('2003-02-14'), 'TRAINING_COMPLETED', { workshopId: 'W2' }),
  ];
}

export function q1History(): object[] {
  const ids: [string, string, Record<string, unknown>?][] = [
    ['FR-IPO', 'FR'], ['FR-TMO', 'FR'], ['BR-IPO', 'BR', { track: 'internet' }], ['KE-IPO', 'KE'], ['JP-IPO', 'JP'],
    ['MX-IPO', 'MX'], ['AR-IPO', 'AR'], ['EG-IPO', 'EG'], ['SN-IPO', 'SN'], ['CL-IPO', 'CL'], ['PE-IPO', 'PE'],
    ['CO-IPO', 'CO'], ['VE-IPO', 'VE'],
  ];
  return [
    ...workshops,
    ...ids.map(([id, country, extra]) => office(id, country, T('2002-07-01'), extra)),
    // Two offices of France, trained at W1 (FR-IPO with two focal points) and installed in Q4 2002.
    ...invitedAndSiteReady('FR-IPO', { circular: T('2002-07-02'), yes: T('2002-07-10'), surveyed: T('2002-07-20'), ready: T('2002-08-01') }),
    event('FR-IPO', T('2002-08-05'), 'FOCAL_POINT_NOMINATED', fp('FR-IPO', 1)),
    event('FR-IPO', T('2002-08-06'), 'FOCAL_POINT_NOMINATED', fp('FR-IPO', 2)),
    event('FR-IPO', T('2002-09-01'), 'ENROLLED', { workshopId: 'W1' }),
    event('FR-IPO', T('2002-10-18'), 'TRAINING_COMPLETED', { workshopId: 'W1' }),
    event('FR-IPO', T('2002-10-25'), 'KIT_SHIPPED', { goldDiskVersion: '1.0' }),
    event('FR-IPO', T('2002-11-05'), 'KIT_DELIVERED'),
    event('FR-IPO', T('2002-11-15'), 'KIT_INSTALLED'),
    ...invitedAndSiteReady('FR-TMO', { circular: T('2002-07-02'), yes: T('2002-07-10'), surveyed: T('2002-07-20'), ready: T('2002-08-01') }),
    event('FR-TMO', T('2002-08-05'), 'FOCAL_POINT_NOMINATED', fp('FR-TMO')),
    event('FR-TMO', T('2002-09-01'), 'ENROLLED', { workshopId: 'W1' }),
    event('FR-TMO', T('2002-10-18'), 'TRAINING_COMPLETED', { workshopId: 'W1' }),
    event('FR-TMO', T('2002-10-25'), 'KIT_SHIPPED'),
    event('FR-TMO', T('2002-11-05'), 'KIT_DELIVERED'),
    event('FR-TMO', T('2002-11-20'), 'KIT_INSTALLED'),
    event('FR-TMO', T('2003-01-15'), 'HANDED_OVER'),
    // Internet track: trained at W1, connected and handed over in 2002.
    event('BR-IPO', T('2002-07-02'), 'SEND_CIRCULAR'),
    event('BR-IPO', T('2002-07-10'), 'REPLY_AFFIRMATIVE'),
    event('BR-IPO', T('2002-08-05'), 'FOCAL_POINT_NOMINATED', fp('BR-IPO')),
    event('BR-IPO', T('2002-09-01'), 'ENROLLED', { workshopId: 'W1' }),
    event('BR-IPO', T('2002-10-18'), 'TRAINING_COMPLETED'),
    event('BR-IPO', T('2002-11-01'), 'SERVICES_CONNECTED'),
    event('BR-IPO', T('2002-12-01'), 'HANDED_OVER'),
    // Missed W1, trained at W2, installed in the quarter.
    ...invitedAndSiteReady('KE-IPO', { circular: T('2002-07-02'), yes: T('2002-07-10'), surveyed: T('2002-07-20'), ready: T('2002-08-01') }),
    event('KE-IPO', T('2002-08-05'), 'FOCAL_POINT_NOMINATED', fp('KE-IPO')),
    event('KE-IPO', T('2002-09-01'), 'ENROLLED', { workshopId: 'W1' }),
    event('KE-IPO', T('2002-10-18'), 'NO_SHOW', { workshopId: 'W1' }),
    event('KE-IPO', T('2002-12-01'), 'ENROLLED', { workshopId: 'W2' }),
    event('KE-IPO', T('2003-02-14'), 'TRAINING_COMPLETED', { workshopId: 'W2' }),
    event('KE-IPO', T('2003-02-20'), 'KIT_SHIPPED'),
    event('KE-IPO', T('2003-03-01'), 'KIT_DELIVERED'),
    event('KE-IPO', T('2003-03-10'), 'KIT_INSTALLED'),
    // Trained at W2 and installed (and handed over) in the quarter.
    ...kitThroughW2('JP-IPO'),
    event('JP-IPO', T('2003-02-18'), 'KIT_SHIPPED'),
    event('JP-IPO', T('2003-02-25'), 'KIT_DELIVERED'),
    event('JP-IPO', T('2003-03-05'), 'KIT_INSTALLED'),
    event('JP-IPO', T('2003-03-25'), 'HANDED_OVER'),
    // Trained at W2, then awaiting the kit, in transit, and on hold at the end of the quarter.
    ...kitThroughW2('MX-IPO'),
    ...kitThroughW2('AR-IPO'),
    event('AR-IPO', T('2003-03-10'), 'KIT_SHIPPED'),
    ...kitThroughW2('EG-IPO'),
    event('EG-IPO', T('2003-03-15'), 'DEPLOYMENT_HELD', { reason: 'Gold Disk 1.0 withdrawn' }),
    // Site blocked since October; nobody nominated.
    event('SN-IPO', T('2002-09-01'), 'SEND_CIRCULAR'),
    event('SN-IPO', T('2002-09-15'), 'REPLY_AFFIRMATIVE'),
    event('SN-IPO', T('2002-10-01'), 'SITE_SURVEYED'),
    event('SN-IPO', T('2002-10-15'), 'SITE_DIFFICULTY', { reason: 'No power in the server room' }),
    // The quarter's letters: one yes, one no, one waiting.
    event('CL-IPO', T('2003-01-10'), 'SEND_CIRCULAR'),
    event('CL-IPO', T('2003-02-01'), 'REPLY_AFFIRMATIVE'),
    event('PE-IPO', T('2003-01-10'), 'SEND_CIRCULAR'),
    event('PE-IPO', T('2003-01-20'), 'REPLY_DECLINED', { reason: 'No budget this biennium' }),
    event('CO-IPO', T('2003-03-20'), 'SEND_CIRCULAR'),
  ];
}

/** What happens after the quarter, dated in Q2. */
const laterHistory = [
  event('MX-IPO', T('2003-04-10'), 'KIT_SHIPPED'),
  event('MX-IPO', T('2003-04-20'), 'KIT_DELIVERED'),
  event('MX-IPO', T('2003-05-01'), 'KIT_INSTALLED'),
  event('VE-IPO', T('2003-04-05'), 'SEND_CIRCULAR'),
  event('CO-IPO', T('2003-04-08'), 'REPLY_AFFIRMATIVE'),
  event('AR-IPO', T('2003-04-09'), 'KIT_DELIVERED'),
  office('TH-IPO', 'TH', T('2003-04-15')),
  event('TH-IPO', T('2003-04-16'), 'SEND_CIRCULAR'),
];

const expectedQ1 = {
  installedInPeriod: 2, // KE-IPO, JP-IPO
  installedTotal: 4, // kits: FR-IPO, KE-IPO installed; FR-TMO, JP-IPO handed over
  connectedTotal: 1, // BR-IPO, Internet track, handed over: no kit
  connectedInPeriod: 0,
  preparingForDeployment: 5, // MX, AR, EG in deployment; SN, CL preparing
  circularLettersInPeriod: 3, // CL, PE, CO
  affirmativeRepliesInPeriod: 1, // CL
  declinedInPeriod: 1, // PE
  focalPointsTrained: 9, // W1: FR-IPO ×2, FR-TMO, BR-IPO; W2: KE, JP, MX, AR, EG
  officesTrained: 8,
  countriesTrained: 7, // FR, BR, KE, JP, MX, AR, EG
  workshopsPlanned: 2, // W3 and W5 (W4 cancelled)
  awaitingGoldDisk: 1, // EG
};

describe('quarterly progress report', () => {
  let fx: ProgrammeFixture;
  let q1: ProgressReport;

  beforeAll(async () => {
    fx = await openFixture('2003-04-02T12:00:00.000Z');
    const result = await fx.load(q1History());
    expect(result.other).toBe(workshops.length);
    q1 = await computeProgressReport(fx.runtime.storage, fx.runtime.engine.clock.now(), { from: '2003-01-01', to: '2003-03-31', policies: fx.runtime.reminders.policies });
  });
  afterAll(() => fx.close());

  it('computes every figure from the history as of the end of the quarter', () => {
    expect(q1).toMatchObject(expectedQ1);
    // The bars are the offices of the total, by quarter; the figures are the overview's at that instant.
    expect(q1.installationsByQuarter.reduce((n, q) => n + q.installed, 0)).toBe(q1.installedTotal);
    expect(q1.figures).toMatchObject({ installed: 4, connected: 1, handedOver: 3, invited: 1, stalled: q1.keyIssues.stalledOffices });
    expect(q1.period).toEqual({
      from: '2003-01-01',
      to: '2003-03-31',
      start: '2003-01-01T00:00:00.000Z',
      end: '2003-04-01T00:00:00.000Z',
      label: 'Q1 2003',
    });
    expect(q1.plannedWorkshops.map((w) => w.id)).toEqual(['W3', 'W5']);
    expect(q1.installationsByQuarter).toEqual([
      { quarter: '2002-Q4', installed: 2 },
      { quarter: '2003-Q1', installed: 2 },
    ]);
    expect(q1.officesByStage).toEqual({ installed: 2, handedOver: 3, deployment: 3, preparing: 2, declined: 1, invited: 1, prospect: 1 });
  });

  it('names the stalled offices at the end, grouped by stage and owner, the longest first', () => {
    // Stalled at 1 April: SN-IPO (site blocked > 14 days, no nomination > 30 days), CL-IPO (surveying and no
    // nomination > 30 days), MX-IPO (awaiting its kit > 30 days), FR-IPO (installed, not handed over > 30 days).
    // Not stalled: AR-IPO (in transit 22 days), EG-IPO (on hold < 90 days), KE-IPO (installed 22 days), CO-IPO (invited 12 days).
    const { keyIssues } = q1;
    expect(keyIssues.stalledOffices).toBe(4);
    expect(keyIssues.siteDifficulties).toBe(1);
    const groups = Object.fromEntries(keyIssues.groups.map((g) => [`${g.stage}/${g.owner}`, [g.offices, g.longest.officeId, g.longest.state]]));
    expect(groups).toEqual({
      'preparing/office': [2, 'SN-IPO', 'preparing.training.awaitingNomination'],
      'preparing/wipo': [1, 'SN-IPO', 'preparing.site.blocked'],
      'deployment/wipo': [1, 'MX-IPO', 'deployment.awaitingKit'],
      'installed/wipo': [1, 'FR-IPO', 'installed'],
    });
    expect(keyIssues.longestStalled).toMatchObject({
      officeId: 'SN-IPO',
      state: 'preparing.training.awaitingNomination',
      owner: 'office',
      enteredAt: T('2002-09-15'),
      daysInState: daysTo('2002-09-15'),
      daysOverdue: daysTo('2002-09-15') - 30,
    });
    const mx = keyIssues.groups.find((g) => g.stage === 'deployment')!.longest;
    expect(mx.daysOverdue).toBe(daysTo('2003-02-14') - 30);
  });

  it('reads like the working-group report, in Markdown and in HTML with a chart', () => {
    const md = renderMarkdown(q1);
    expect(md).toContain('# WIPOnet progress report — Q1 2003');
    expect(md).toContain('A further two offices received the WIPOnet kit, bringing the total number of offices with an installed kit to 4.');
    expect(md).toContain('one office is connected to the WIPOnet services over the Internet');
    expect(md).toContain('Five offices are now preparing for deployment of the kit (site, training or delivery).');
    expect(md).toContain('Three circular letters sent to offices, ascertaining their interest in participating in the WIPOnet Project; one affirmative reply received; one office declined.');
    expect(md).toContain('Nine focal points of 8 different offices from 7 countries have been trained.');
    expect(md).toContain('Delivery of the new version of the Gold Disk, followed by the re-start of the deployment of the remaining office.');
    expect(md).toContain('Two more WIPOnet training workshops have been planned: Santiago (Chile), 5 May 2003; Bangkok (Thailand), 1 September 2003.');
    expect(md).toContain('Four offices have stayed in a stage longer than the agreed time.');
    expect(md).toContain('The longest stalled is Industrial Property Office SN-IPO (Senegal), awaiting nomination since 15 September 2002');
    expect(md).toContain('| 2003 Q1 | 2 |');

    const page = renderReportHtml(q1);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg class="report-chart"');
    expect((page.match(/<rect /g) ?? []).length).toBe(2);
    expect(page).not.toMatch(/<script/i);
  });

  it('does not change for a past quarter when later events arrive', async () => {
    const ctx = fx.runtime;
    fx.clock.set('2003-05-20T10:00:00.000Z');
    await fx.load(laterHistory);
    // Live operations after the quarter: nominations, W3 held, a new workshop, a Gold Disk release.
    await ctx.engine.apply('SN-IPO', { type: 'FOCAL_POINT_NOMINATED', ...fp('SN-IPO') }, { actor: 'test' });
    await ctx.engine.apply('CL-IPO', { type: 'FOCAL_POINT_NOMINATED', ...fp('CL-IPO') }, { actor: 'test' });
    const ids = await Promise.all(['SN-IPO', 'CL-IPO'].map(async (id) => (await ctx.programme.focalPointsOf(id))[0]!.id));
    await enrol(ctx, 'W3', ids, { actor: 'test' });
    await recordAttendance(ctx, 'W3', ids, { actor: 'test' });
    await createWorkshop(ctx, { title: 'WIPOnet training', city: 'Hanoi', country: 'VN', start: '2003-07-01', end: '2003-07-04', capacity: 8 });
    await releaseGoldDisk(ctx, { version: '2.0' }, { actor: 'test' });

    const again = await computeProgressReport(ctx.storage, ctx.engine.clock.now(), { from: '2003-01-01', to: '2003-03-31', policies: ctx.reminders.policies });
    expect(again).toEqual(q1);
    expect(renderMarkdown(again)).toBe(renderMarkdown(q1));

    // The next quarter sees them.
    const q2 = await computeProgressReport(ctx.storage, new Date('2003-07-15T00:00:00.000Z'), { policies: ctx.reminders.policies });
    expect(q2.period.label).toBe('Q2 2003');
    expect(q2).toMatchObject({
      installedInPeriod: 1,
      installedTotal: 5,
      circularLettersInPeriod: 2,
      affirmativeRepliesInPeriod: 1,
      focalPointsTrained: 11,
      officesTrained: 10,
      countriesTrained: 9,
      awaitingGoldDisk: 0,
      goldDiskVersion: '2.0',
    });
    expect(q2.plannedWorkshops.map((w) => w.city)).toEqual(['Hanoi', 'Bangkok']);
  });

  it('defaults to the last complete calendar quarter', () => {
    expect(lastCompleteQuarter(new Date('2003-05-20T10:00:00Z'))).toMatchObject({ from: '2003-01-01', to: '2003-03-31' });
    expect(lastCompleteQuarter(new Date('2003-01-01T00:00:00Z'))).toMatchObject({ from: '2002-10-01', to: '2002-12-31', label: 'Q4 2002' });
  });

  it('serves JSON, Markdown and HTML at /api/reports/progress', async () => {
    const base = await fx.serve();
    const json = await getJson(`${base}/api/reports/progress`);
    expect(json.status).toBe(200);
    expect(json.body.period.label).toBe('Q1 2003');
    expect(json.body).toEqual(JSON.parse(JSON.stringify(q1)));

    const md = await fetch(`${base}/api/reports/progress?from=2003-01-01&to=2003-03-31&format=md`);
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(md.headers.get('content-disposition')).toBe('attachment; filename="progress-report-2003-01-01-to-2003-03-31.md"');
    expect(await md.text()).toBe(renderMarkdown(q1));

    const html = await fetch(`${base}/api/reports/progress?format=html`);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toMatch(/style-src 'sha256-/);
    expect(await html.text()).toBe(renderReportHtml(q1));

    const bad = await getJson(`${base}/api/reports/progress?from=2003-04-01&to=2003-03-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const notADate = await getJson(`${base}/api/reports/progress?from=2003-02-30`);
    expect(notADate.status).toBe(400);
  });
});

describe('a database whose history predates the focal-point register', () => {
  it('gets the register rebuilt from the history at start-up, with the same figures', async () => {
    let fx = await openFixture('2003-04-02T12:00:00.000Z');
    await fx.load(q1History());
    const options = { from: '2003-01-01', to: '2003-03-31', policies: fx.runtime.reminders.policies };
    const before = await computeProgressReport(fx.runtime.storage, fx.runtime.engine.clock.now(), options);
    const register = () => sqliteDb(fx.runtime).prepare('SELECT office_id, email, status, workshop_id, nominated_at, enrolled_at, trained_at, no_show_at FROM focal_points ORDER BY office_id, email').all();
    const rows = register();
    const shipments = sqliteDb(fx.runtime).prepare('SELECT * FROM kit_shipments ORDER BY office_id').all();
    sqliteDb(fx.runtime).exec('DELETE FROM enrolments; DELETE FROM focal_points; DELETE FROM kit_shipments;');
    expect((await computeProgressReport(fx.runtime.storage, fx.runtime.engine.clock.now(), options)).focalPointsTrained).toBe(0);
    await fx.close(true);

    fx = await openFixture('2003-04-02T12:00:00.000Z', fx.dir);
    try {
      expect(register()).toEqual(rows);
      expect(sqliteDb(fx.runtime).prepare('SELECT * FROM kit_shipments ORDER BY office_id').all()).toEqual(shipments);
      expect(await computeProgressReport(fx.runtime.storage, fx.runtime.engine.clock.now(), options)).toEqual(before);
    } finally {
      await fx.close();
    }
  });
});
