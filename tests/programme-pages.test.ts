import { event, invitedAndSiteReady, office, openFixture, type ProgrammeFixture } from './programme-fixture';

const T = (day: string) => `${day}T09:00:00.000Z`;
const XSS = '<img src=x onerror=alert(1)>';

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** Posts a plain HTML form (URL-encoded) without following the redirect. */
async function postForm(url: string, fields: [string, string][]): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

describe('programme dashboard pages', () => {
  let fx: ProgrammeFixture;
  let base: string;

  beforeAll(async () => {
    fx = await openFixture('2003-03-01T10:00:00.000Z');
    await fx.load([
      office('KE-IPO', 'KE', T('2003-01-02'), { name: XSS }),
      office('GH-IPO', 'GH', T('2003-01-02')),
      office('SN-IPO', 'SN', T('2003-01-02')),
      ...invitedAndSiteReady('KE-IPO', { circular: T('2003-01-03'), yes: T('2003-01-10'), surveyed: T('2003-01-15'), ready: T('2003-02-01') }),
      event('KE-IPO', T('2003-02-02'), 'FOCAL_POINT_NOMINATED', { name: 'Wanjiru', email: 'w@ke.example' }),
    ]);
    base = await fx.serve();
  });
  afterAll(() => fx.close());

  it('shows the progress report with its chart, escaping what comes from the data', async () => {
    const page = await get(`${base}/programme/report?from=2003-01-01&to=2003-03-31`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('WIPOnet progress report — Q1 2003');
    expect(page.text).toContain('<svg class="report-chart"');
    expect(page.text).toContain('format=md');
    expect(page.text).not.toContain(XSS);
    expect(page.text.match(/<script[^>]*>/g)).toEqual(['<script src="/static/app.js" defer>']);
    expect((await get(`${base}/programme/report?from=2003-05-01&to=2003-04-01`)).status).toBe(400);
  });

  it('plans a workshop, enrols and records attendance through forms', async () => {
    const created = await postForm(`${base}/programme/workshops`, [
      ['title', 'WIPOnet training'], ['city', 'Nairobi'], ['country', 'KE'], ['start', '2003-03-01'], ['end', '2003-03-02'], ['capacity', '5'],
    ]);
    expect(created.status).toBe(303);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/programme\/workshops\/WS-[0-9a-f]{8}\?done=created$/);
    const path = location.split('?')[0]!;
    let page = await get(`${base}${location}`);
    expect(page.text).toContain('Workshop planned.');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const fp = (await fx.runtime.programme.focalPointsOf('KE-IPO'))[0]!;
    expect(page.text).toContain(`name="focalPointId" value="${fp.id}"`);

    expect((await postForm(`${base}${path}/enrol`, [])).status).toBe(400);
    expect((await postForm(`${base}${path}/enrol`, [['focalPointId', String(fp.id)]])).headers.get('location')).toBe(`${path}?done=enrolled`);
    page = await get(`${base}${path}`);
    expect(page.text).toContain(`name="attended" value="${fp.id}"`);
    const held = await postForm(`${base}${path}/attendance`, [['attended', String(fp.id)]]);
    expect(held.status).toBe(303);
    expect((await fx.runtime.store.getOffice('KE-IPO'))!.states).toEqual(['deployment.awaitingKit']);
    const again = await postForm(`${base}${path}/attendance`, []);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('is held');
  });

  it('previews then sends circular letters, showing the result per office', async () => {
    const preview = await get(`${base}/programme/letters?region=Africa&letterRef=C.N.+1&preview=1`);
    expect(preview.text).toContain('2 office(s) will receive the letter');
    // The letter itself, before anything is sent; then a confirmation naming the offices.
    expect(preview.text).toContain('Circular letter C.N. 1');
    expect(preview.text).toContain('What your Office will be asked to do');
    expect(preview.text).not.toContain('name="expectedCount"');
    const confirm = await get(`${base}/programme/letters?region=Africa&letterRef=C.N.+1&confirm=1`);
    expect(confirm.text).toContain('Send the circular letter C.N. 1 to 2 office(s)?');
    expect(confirm.text).toContain('name="expectedCount" value="2"');
    expect(confirm.text).toContain('name="letterRef" value="C.N. 1"');
    expect((await fx.runtime.store.listOffices({ stage: 'invited' })).total).toBe(0);
    const sent = await postForm(`${base}/programme/letters`, [['region', 'Africa'], ['expectedCount', '2'], ['letterRef', 'C.N. 1']]);
    expect(sent.status).toBe(303);
    const result = await get(`${base}${sent.headers.get('location')}`);
    expect(result.text).toContain('Circular letter C.N. 1 to 2 office(s)');
    expect(result.text.match(/<span class="badge">done<\/span>/g)).toHaveLength(2);
    const stale = await postForm(`${base}/programme/letters`, [['region', 'Africa'], ['expectedCount', '2']]);
    expect(stale.status).toBe(409);
  });

  it('refuses a form post from a caller who is not signed in, changing nothing', async () => {
    const broadcasts = (await fx.runtime.programme.listBroadcasts()).length;
    const res = await fetch(`${base}/programme/gold-disk/hold`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Bearer not-a-token' },
      body: 'reason=Nope',
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
    expect(await fx.runtime.programme.listBroadcasts()).toHaveLength(broadcasts);
  });

  it('holds deployment from the Gold Disk page', async () => {
    expect((await get(`${base}/programme/gold-disk`)).text).toContain('Current version: <strong>none</strong>');
    // First the preview: which offices, how many; nothing held yet.
    const preview = await postForm(`${base}/programme/gold-disk/hold`, [['reason', 'Customs strike']]);
    expect(preview.status).toBe(200);
    const previewText = await preview.text();
    expect(previewText).toContain('1 office will be held');
    expect(previewText).toContain('data-office="KE-IPO"');
    expect((await fx.runtime.store.getOffice('KE-IPO'))!.states).toEqual(['deployment.awaitingKit']);
    // A confirmation for another count than the one shown is refused and shows the preview again.
    const stale = await postForm(`${base}/programme/gold-disk/hold`, [['reason', 'Customs strike'], ['confirm', 'yes'], ['expectedCount', '3']]);
    expect(stale.status).toBe(409);
    expect((await fx.runtime.store.getOffice('KE-IPO'))!.states).toEqual(['deployment.awaitingKit']);
    const hold = await postForm(`${base}/programme/gold-disk/hold`, [['reason', 'Customs strike'], ['confirm', 'yes'], ['expectedCount', '1']]);
    expect(hold.status).toBe(303);
    const result = await get(`${base}${hold.headers.get('location')}`);
    expect(result.text).toContain('Deployment held: Customs strike');
    expect((await fx.runtime.store.getOffice('KE-IPO'))!.states).toEqual(['deployment.onHold']);
    const release = await postForm(`${base}/programme/gold-disk/release`, [['version', '2.0'], ['notes', 'Fixed']]);
    expect(release.status).toBe(303);
    expect((await fx.runtime.store.getOffice('KE-IPO'))!.states).toEqual(['deployment.awaitingKit']);
    expect((await get(`${base}/programme`)).text).toContain('current Gold Disk');
  });

  it('imports offices from an uploaded CSV file, with a report by line', async () => {
    const upload = (csv: string) => {
      const form = new FormData();
      form.set('file', new Blob([csv], { type: 'text/csv' }), 'offices.csv');
      return fetch(`${base}/programme/import`, { method: 'POST', body: form });
    };
    const ok = await upload('id,name,country,city\nTG-IPO,Office of Togo,TG,Lomé\n');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Imported: created 1, updated 0, 0 unchanged.');
    expect((await fx.runtime.store.getOffice('TG-IPO'))!.city).toBe('Lomé');
    const bad = await upload('id,name,country\nTG-IPO,Office of Togo,TG\nXX,Nowhere,QQ\n');
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('Nothing was imported.');
    expect(text).toContain('Line 3: country: not an ISO 3166-1 alpha-2 country code');
  });
});
