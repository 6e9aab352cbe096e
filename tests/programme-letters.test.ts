import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { composeLetter, previewLetters, sampleLetters, selectionSchema, sendLetters } from '../programme/bulk-letters';
import { linksIn } from './helpers/smtp';
import { event, office, openFixture, postJson, type ProgrammeFixture } from './programme-fixture';

const T = (day: string) => `${day}T09:00:00.000Z`;
const ROOT = path.resolve(__dirname, '..');

const offices = [
  office('FR-IPO', 'FR', T('2003-01-02')),
  office('DE-IPO', 'DE', T('2003-01-02')),
  office('KE-IPO', 'KE', T('2003-01-02')),
  office('GH-IPO', 'GH', T('2003-01-02'), { track: 'internet' }),
  office('SN-IPO', 'SN', T('2003-01-02'), {
    name: 'Agence sénégalaise pour la propriété industrielle',
    language: 'fr',
    contacts: [{ name: 'Awa Diop', email: 'awa.diop@aspit.example' }],
  }),
  office('BR-IPO', 'BR', T('2003-01-02')),
  // Already invited: matched by a filter but not eligible.
  office('NG-IPO', 'NG', T('2003-01-02')),
  event('NG-IPO', T('2003-01-05'), 'SEND_CIRCULAR'),
];

const select = (raw: unknown) => selectionSchema.parse(raw);
const ids = (list: { id: string }[]) => list.map((o) => o.id).sort();

describe('bulk circular letters', () => {
  let fx: ProgrammeFixture;
  beforeEach(async () => {
    fx = await openFixture('2003-03-01T10:00:00.000Z');
    await fx.load(offices);
  });
  afterEach(() => fx.close());

  it('previews a selection by state, country, region, track or explicit list, changing nothing', async () => {
    expect(ids((await previewLetters(fx.runtime, select({ state: 'prospect' }))).offices)).toEqual(['BR-IPO', 'DE-IPO', 'FR-IPO', 'GH-IPO', 'KE-IPO', 'SN-IPO']);
    expect(ids((await previewLetters(fx.runtime, select({ country: 'fr, de' }))).offices)).toEqual(['DE-IPO', 'FR-IPO']);
    const africa = await previewLetters(fx.runtime, select({ region: 'Africa' }));
    expect(ids(africa.offices)).toEqual(['GH-IPO', 'KE-IPO', 'SN-IPO']);
    expect(africa.notEligible).toEqual([expect.objectContaining({ id: 'NG-IPO', reason: 'in invited' })]);
    expect(ids((await previewLetters(fx.runtime, select({ region: 'Africa', track: 'kit' }))).offices)).toEqual(['KE-IPO', 'SN-IPO']);
    const explicit = await previewLetters(fx.runtime, select({ ids: ['BR-IPO', 'XX-NONE'] }));
    expect(explicit).toMatchObject({ count: 1, unknownIds: ['XX-NONE'] });
    expect(await fx.runtime.store.history('BR-IPO')).toHaveLength(1);
  });

  it('sends to the previewed offices with a result per office, and refuses when the selection changed', async () => {
    const selection = select({ region: 'Africa' });
    const preview = await previewLetters(fx.runtime, selection);
    // Someone invites KE-IPO between the preview and the action.
    await fx.runtime.engine.apply('KE-IPO', { type: 'SEND_CIRCULAR' }, { actor: 'other' });
    await expect(sendLetters(fx.runtime, { selection, expectedCount: preview.count, letterRef: 'C.N. 2003/12' }, { actor: 'coordinator' })).rejects.toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
    const result = await sendLetters(fx.runtime, { selection, expectedCount: 2, letterRef: 'C.N. 2003/12' }, { actor: 'coordinator' });
    expect(result.kind).toBe('letters');
    expect(result.counts).toEqual({ pending: 0, done: 2, skipped: 0, failed: 0 });
    expect(result.offices.map((o) => [o.officeId, o.status, o.version])).toEqual([
      // By name: "Agence sénégalaise…" before "Industrial Property Office GH-IPO".
      ['SN-IPO', 'done', 1],
      ['GH-IPO', 'done', 1],
    ]);
    const last = (await fx.runtime.store.history('SN-IPO')).at(-1)!;
    expect(last).toMatchObject({ type: 'SEND_CIRCULAR', payload: { letterRef: 'C.N. 2003/12' }, actor: 'coordinator', to: ['invited'] });
    await expect(sendLetters(fx.runtime, { selection }, { actor: 'coordinator' })).rejects.toThrow(/No office in the selection/);
  });

  it('emails each office the letter in its language, with its reference and two links, in the transaction of the transition', async () => {
    const selection = select({ region: 'Africa', track: 'kit' });
    const preview = await previewLetters(fx.runtime, selection);
    const samples = await sampleLetters(fx.runtime, preview, 'C.N. 2003/12', composeLetter(fx.runtime));
    // One sample per language of the selection: KE-IPO writes English, SN-IPO French.
    expect(Object.fromEntries(samples.map((x) => [x.language, x.officeId]))).toEqual({ en: 'KE-IPO', fr: 'SN-IPO' });
    const frSample = samples.find((x) => x.language === 'fr')!;
    expect(await fx.runtime.reminders.outbox.ofOffice('SN-IPO')).toEqual([]);

    await sendLetters(fx.runtime, { selection, expectedCount: 2, letterRef: 'C.N. 2003/12' }, { actor: 'coordinator' });
    const [letter, ...others] = await fx.runtime.reminders.outbox.ofOffice('SN-IPO');
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ kind: 'circular', language: 'fr', status: 'pending', recipients: JSON.stringify(['awa.diop@aspit.example']) });
    expect(letter!.subject).toBe(frSample.subject);
    expect(letter!.subject).toContain('C.N. 2003/12');
    for (const words of ['Lettre circulaire C.N. 2003/12', 'Agence sénégalaise pour la propriété industrielle', 'Préparer le site', 'Désigner un correspondant pour la formation', 'Recevoir et installer le kit']) {
      expect(letter!.text_body).toContain(words);
    }
    // The preview was the letter's exact text, but for its personal links.
    const placeholder = /https?:\/\/\S+\/r\/\S+/g;
    expect(letter!.text_body.replace(placeholder, 'LINK')).toBe(frSample.text.replace(placeholder, 'LINK'));
    expect(letter!.text_body).not.toContain("l'office Agence");
    expect(linksIn(letter!.text_body)).toHaveLength(2);
    const claims = linksIn(letter!.text_body).map((l) => JSON.parse(Buffer.from(l.split('/r/')[1]!.split('.')[0]!, 'base64url').toString()));
    expect(claims).toEqual([
      expect.objectContaining({ o: 'SN-IPO', a: 'confirm', s: 'invited', e: fx.clock.now().getTime() }),
      expect.objectContaining({ o: 'SN-IPO', a: 'decline', s: 'invited', e: fx.clock.now().getTime() }),
    ]);
    // An office without a contact gets its letter recorded as undeliverable, never silently dropped.
    expect(await fx.runtime.reminders.outbox.ofOffice('KE-IPO')).toEqual([expect.objectContaining({ kind: 'circular', status: 'failed', last_error: expect.stringContaining('no recipient') })]);
    // The office's emails list it.
    expect(await fx.runtime.reminders.outbox.ofOffice('NG-IPO')).toEqual([]);
  });

  it('a letter that cannot be written rolls the transition back with it', async () => {
    const outbox = fx.runtime.reminders.outbox;
    const enqueue = outbox.enqueue;
    outbox.enqueue = () => {
      throw new Error('disk full');
    };
    try {
      await expect(fx.runtime.engine.apply('FR-IPO', { type: 'SEND_CIRCULAR' }, { actor: 'test' })).rejects.toThrow('disk full');
    } finally {
      outbox.enqueue = enqueue;
    }
    expect((await fx.runtime.store.getOffice('FR-IPO'))!.states).toEqual(['prospect']);
    expect(await outbox.ofOffice('FR-IPO')).toEqual([]);
  });

  it('works over HTTP: preview, then apply', async () => {
    const base = await fx.serve();
    const preview = await postJson(`${base}/api/letters/preview`, { selection: { country: ['BR', 'FR'] }, letterRef: 'C.N. 9' });
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBe(2);
    expect(preview.body.samples).toEqual([expect.objectContaining({ language: 'en', subject: expect.stringContaining('C.N. 9'), text: expect.stringContaining('Circular letter C.N. 9') })]);
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
    fx = await openFixture('2003-03-02T10:00:00.000Z', fx.dir);
    expect((await fx.runtime.store.history('BR-IPO')).at(-1)).toMatchObject({ type: 'SEND_CIRCULAR', payload: { letterRef: 'C.N. 7' }, actor: 'cli' });
  });
});
