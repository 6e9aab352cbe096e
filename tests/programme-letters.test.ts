import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { previewLetters, selectionSchema, sendLetters } from '../programme/bulk-letters';
import { event, office, openFixture, postJson, type ProgrammeFixture } from './programme-fixture';

const T = (day: string) => `${day}T09:00:00.000Z`;
const ROOT = path.resolve(__dirname, '..');

const offices = [
  office('FR-IPO', 'FR', T('2003-01-02')),
  office('DE-IPO', 'DE', T('2003-01-02')),
  office('KE-IPO', 'KE', T('2003-01-02')),
  office('GH-IPO', 'GH', T('2003-01-02'), { track: 'internet' }),
  office('SN-IPO', 'SN', T('2003-01-02')),
  office('BR-IPO', 'BR', T('2003-01-02')),
  // Already invited: matched by a filter but not eligible.
  office('NG-IPO', 'NG', T('2003-01-02')),
  event('NG-IPO', T('2003-01-05'), 'SEND_CIRCULAR'),
];

const select = (raw: unknown) => selectionSchema.parse(raw);
const ids = (list: { id: string }[]) => list.map((o) => o.id).sort();

describe('bulk circular letters', () => {
  let fx: ProgrammeFixture;
  beforeEach(() => {
    fx = openFixture('2003-03-01T10:00:00.000Z');
    fx.load(offices);
  });
  afterEach(() => fx.close());

  it('previews a selection by state, country, region, track or explicit list, changing nothing', () => {
    expect(ids(previewLetters(fx.runtime, select({ state: 'prospect' })).offices)).toEqual(['BR-IPO', 'DE-IPO', 'FR-IPO', 'GH-IPO', 'KE-IPO', 'SN-IPO']);
    expect(ids(previewLetters(fx.runtime, select({ country: 'fr, de' })).offices)).toEqual(['DE-IPO', 'FR-IPO']);
    const africa = previewLetters(fx.runtime, select({ region: 'Africa' }));
    expect(ids(africa.offices)).toEqual(['GH-IPO', 'KE-IPO', 'SN-IPO']);
    expect(africa.notEligible).toEqual([expect.objectContaining({ id: 'NG-IPO', reason: 'in invited' })]);
    expect(ids(previewLetters(fx.runtime, select({ region: 'Africa', track: 'kit' })).offices)).toEqual(['KE-IPO', 'SN-IPO']);
    const explicit = previewLetters(fx.runtime, select({ ids: ['BR-IPO', 'XX-NONE'] }));
    expect(explicit).toMatchObject({ count: 1, unknownIds: ['XX-NONE'] });
    expect(fx.runtime.store.history('BR-IPO')).toHaveLength(1);
  });

  it('sends to the previewed offices with a result per office, and refuses when the selection changed', () => {
    const selection = select({ region: 'Africa' });
    const preview = previewLetters(fx.runtime, selection);
    // Someone invites KE-IPO between the preview and the action.
    fx.runtime.engine.apply('KE-IPO', { type: 'SEND_CIRCULAR' }, { actor: 'other' });
    expect(() => sendLetters(fx.runtime, { selection, expectedCount: preview.count, letterRef: 'C.N. 2003/12' }, { actor: 'coordinator' })).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
    const result = sendLetters(fx.runtime, { selection, expectedCount: 2, letterRef: 'C.N. 2003/12' }, { actor: 'coordinator' });
    expect(result.kind).toBe('letters');
    expect(result.counts).toEqual({ pending: 0, done: 2, skipped: 0, failed: 0 });
    expect(result.offices.map((o) => [o.officeId, o.status, o.version])).toEqual([
      ['GH-IPO', 'done', 1],
      ['SN-IPO', 'done', 1],
    ]);
    const last = fx.runtime.store.history('SN-IPO').at(-1)!;
    expect(last).toMatchObject({ type: 'SEND_CIRCULAR', payload: { letterRef: 'C.N. 2003/12' }, actor: 'coordinator', to: ['invited'] });
    expect(() => sendLetters(fx.runtime, { selection }, { actor: 'coordinator' })).toThrow(/No office in the selection/);
  });

  it('works over HTTP: preview, then apply', async () => {
    const base = await fx.serve();
    const preview = await postJson(`${base}/api/letters/preview`, { selection: { country: ['BR', 'FR'] } });
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBe(2);
    const sent = await postJson(`${base}/api/letters`, { selection: { country: ['BR', 'FR'] }, expectedCount: 2 });
    expect(sent.status).toBe(200);
    expect(sent.body.counts.done).toBe(2);
    const stale = await postJson(`${base}/api/letters`, { selection: { country: ['BR', 'FR'] }, expectedCount: 2 });
    expect(stale.status).toBe(409);
    expect((await postJson(`${base}/api/letters/preview`, { selection: { region: 'Atlantis' } })).status).toBe(400);
  });

  it('works from the CLI: --dry-run lists, then the letters go', async () => {
    await fx.close(true);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_PATH: fx.dbPath, DEMO_DATA: 'off' },
        timeout: 60_000,
      });
    const dry = cli('send-letters', '--region', 'Americas', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('1 office(s) would receive the circular letter:');
    expect(dry.stdout).toContain('BR-IPO');
    const sent = cli('send-letters', '--region', 'Americas', '--letter-ref', 'C.N. 7');
    expect(sent.status).toBe(0);
    expect(sent.stdout).toMatch(/1 done, 0 skipped, 0 failed, 0 pending/);
    const none = cli('send-letters', '--region', 'Americas');
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/No office in the selection/);
    fx = openFixture('2003-03-02T10:00:00.000Z', fx.dir);
    expect(fx.runtime.store.history('BR-IPO').at(-1)).toMatchObject({ type: 'SEND_CIRCULAR', payload: { letterRef: 'C.N. 7' }, actor: 'cli' });
  });
});
