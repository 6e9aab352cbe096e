import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { importOfficesCsv } from '../programme/csv-import';
import { openFixture, type ProgrammeFixture } from './programme-fixture';
import { sqliteDb } from './helpers/sqlite';

const ROOT = path.resolve(__dirname, '..');

const CSV = `\uFEFFid,name,country,city,language,contact name,contact email
FR-IPO,Institut national de la propriété industrielle,FR,Paris,fr,Jeanne Martin,jeanne.martin@inpi.example
KE-IPO,"Kenya Industrial Property Institute",ke,Nairobi,en,Wanjiru Kamau,w.kamau@kipi.example
CL-IPO,"Instituto Nacional de Propiedad Industrial, Chile",CL,,es,,
`;

const dumpOffices = (fx: ProgrammeFixture) =>
  sqliteDb(fx.runtime).prepare('SELECT id, name, country, city, language, contacts, version, updated_at FROM offices ORDER BY id').all();
const historyCount = (fx: ProgrammeFixture) => (sqliteDb(fx.runtime).prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;

describe('CSV office import', () => {
  let fx: ProgrammeFixture;
  beforeEach(async () => {
    fx = await openFixture('2003-03-01T10:00:00.000Z');
  });
  afterEach(() => fx.close());

  it('registers new offices through the engine, and re-importing the same file changes nothing', async () => {
    const first = await importOfficesCsv(fx.runtime, CSV, { actor: 'admin' });
    expect(first).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    expect(await fx.runtime.store.getOffice('KE-IPO')).toMatchObject({
      name: 'Kenya Industrial Property Institute',
      country: 'KE',
      city: 'Nairobi',
      language: 'en',
      contacts: [{ name: 'Wanjiru Kamau', email: 'w.kamau@kipi.example' }],
      stage: 'prospect',
    });
    expect(await fx.runtime.store.getOffice('CL-IPO')).toMatchObject({ name: 'Instituto Nacional de Propiedad Industrial, Chile', city: null, contacts: [] });
    expect(await fx.runtime.store.history('FR-IPO')).toEqual([expect.objectContaining({ type: 'REGISTERED', actor: 'admin' })]);

    const before = { offices: dumpOffices(fx), history: historyCount(fx) };
    fx.clock.advance(86_400_000);
    const again = await importOfficesCsv(fx.runtime, CSV, { actor: 'admin' });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect({ offices: dumpOffices(fx), history: historyCount(fx) }).toEqual(before);
  });

  it('updates the descriptive fields that differ, by id, and says which', async () => {
    await importOfficesCsv(fx.runtime, CSV, { actor: 'admin' });
    await fx.runtime.engine.apply('KE-IPO', { type: 'SEND_CIRCULAR' }, { actor: 'test' });
    const changed = CSV.replace('Nairobi,en,Wanjiru Kamau', 'Mombasa,sw,Wanjiru Kamau-Otieno').replace('CL,,es,,', 'CL,Santiago,,,');
    const result = await importOfficesCsv(fx.runtime, changed, { actor: 'admin' });
    expect(result.offices).toEqual([
      { line: 2, id: 'FR-IPO', action: 'unchanged', changes: [] },
      { line: 3, id: 'KE-IPO', action: 'updated', changes: ['city', 'language', 'contacts'] },
      { line: 4, id: 'CL-IPO', action: 'updated', changes: ['city'] },
    ]);
    const ke = (await fx.runtime.store.getOffice('KE-IPO'))!;
    expect(ke).toMatchObject({ city: 'Mombasa', language: 'sw', contacts: [{ name: 'Wanjiru Kamau-Otieno', email: 'w.kamau@kipi.example' }] });
    // The change went through the engine: one version, one DETAILS_UPDATED row with what changed; the state stays.
    expect(ke).toMatchObject({ stage: 'invited', states: ['invited'], version: 2 });
    const last = (await fx.runtime.store.history(ke!.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'DETAILS_UPDATED', from: ['invited'], to: ['invited'], seq: 2 });
    expect(Object.keys(last.payload).sort()).toEqual(['city', 'contacts', 'language']);
    // A blank optional cell keeps what is stored (CL-IPO keeps "es").
    expect((await fx.runtime.store.getOffice('CL-IPO'))!.language).toBe('es');
  });

  it('reports every bad line by number and imports nothing', async () => {
    const bad = [
      'id,name,country,city,language,contact name,contact email',
      'FR-IPO,INPI,FR,Paris,fr,Jeanne Martin,jeanne.martin@inpi.example',
      'KE IPO,Kenya,KE,Nairobi,en,,',
      'XX-1,Nowhere,QQ,,,,',
      'FR-IPO,Duplicate,FR,,,,',
      'GH-IPO,Ghana,GH,,english,Kofi,',
      'SN-IPO,Sénégal,SN,Dakar,fr,Awa Ndiaye,not-an-email',
    ].join('\n');
    let error: { code?: string; details?: { errors: { line: number; message: string }[] } } = {};
    try {
      await importOfficesCsv(fx.runtime, bad, { actor: 'admin' });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.code).toBe('import_invalid');
    const lines = error.details!.errors.map((e) => e.line);
    expect([...new Set(lines)]).toEqual([3, 4, 5, 6, 7]);
    expect(error.details!.errors.find((e) => e.line === 5)!.message).toMatch(/already appears on line 2/);
    expect(error.details!.errors.filter((e) => e.line === 6).map((e) => e.message).join(' ')).toMatch(/language[\s\S]*contact/);
    expect(await fx.runtime.store.getOffice('FR-IPO')).toBeUndefined();
    expect(historyCount(fx)).toBe(0);

    await expect(importOfficesCsv(fx.runtime, 'id,name,countyr\nA,B,FR\n', { actor: 'a' })).rejects.toThrow(/line 1: unknown column "countyr"[\s\S]*missing column "country"/);
    await expect(importOfficesCsv(fx.runtime, 'id,name,country\n"A,B,FR\n', { actor: 'a' })).rejects.toThrow(/Quote Not Closed/);
    await expect(importOfficesCsv(fx.runtime, '', { actor: 'a' })).rejects.toThrow(/empty/);
  });

  it('is available from the CLI and the API', async () => {
    const file = path.join(fx.dir, 'offices.csv');
    fs.writeFileSync(file, CSV);
    await fx.close(true);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'import-offices', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_PATH: fx.dbPath, DEMO_DATA: 'off' },
        timeout: 60_000,
      });
    const dry = run(file, '--dry-run');
    expect(dry.stdout).toContain('Would create 3, update 0, 0 unchanged.');
    const real = run(file);
    expect(real.status).toBe(0);
    expect(real.stdout).toContain('Created 3, updated 0, 0 unchanged.');
    fs.writeFileSync(file, CSV.replace(',ke,', ',KX,'));
    const wrong = run(file);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/import_invalid: Nothing was imported: 1 bad line\(s\)\.\nline 3: country: not an ISO 3166-1 alpha-2 country code/);

    fx = await openFixture('2003-03-02T10:00:00.000Z', fx.dir);
    const base = await fx.serve();
    const upload = (body: string, type = 'text/csv') =>
      fetch(`${base}/api/import/offices`, { method: 'POST', headers: { 'Content-Type': type }, body });
    const same = await upload(CSV);
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    const added = await upload('id,name,country\nGH-IPO,Ghana Registrar,GH\n');
    expect(await added.json()).toMatchObject({ created: 1 });
    const invalid = await upload('id,name,country\nGH IPO,Ghana,GH\n');
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { details: { errors: { line: number }[] } } };
    expect(body.error.details.errors[0]!.line).toBe(2);
    expect((await upload('{"id":1}', 'application/json')).status).toBe(415);
  });
});
