import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { request, type ErrorReply, type HistoryBody, type OfficeBody } from './helpers/http';
import { runCli, startServer, tempDir, type ServerHandle } from './helpers/server';

jest.setTimeout(180_000);

const FS_SIZE = '8m';
/** What is left free on the small file system once the filler file is written. */
const LEFT_FREE = 192 * 1024;

/** Mounts a small tmpfs; false where mounting is not allowed (not root, no CAP_SYS_ADMIN). */
function mountSmallFs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${FS_SIZE}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const { dir: root, cleanup } = tempDir('fault-disk');
const mountPoint = path.join(root, 'small');
fs.mkdirSync(mountPoint);
const mounted = mountSmallFs(mountPoint);
if (!mounted) console.warn('disk-full test skipped: cannot mount a tmpfs here (needs root)');

const contacts = Array.from({ length: 50 }, (_, i) => ({
  name: `Contact ${i} ${'x'.repeat(120)}`,
  email: `contact${i}@registry.example.org`,
  role: 'Registry staff member responsible for the onboarding of the office',
}));

(mounted ? describe : describe.skip)(`disk full: the database on a ${FS_SIZE} file system`, () => {
  const file = path.join(mountPoint, 'full.db');
  const filler = path.join(mountPoint, 'filler.bin');
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ databasePath: file });
  });
  afterAll(async () => {
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) await server.stop();
    try {
      execFileSync('umount', [mountPoint], { stdio: 'ignore' });
    } catch {
      // Nothing mounted.
    }
    cleanup();
  });

  test('writes fail with 507 storage_full, nothing half-written, reads keep working, writes resume when space returns', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await request(server.url, 'POST', '/api/offices', { body: { id: `base-${i}`, name: `Base ${i}`, country: 'FR', contacts } });
      expect(r.status).toBe(201);
      expect((await request(server.url, 'POST', `/api/offices/base-${i}/events`, { body: { type: 'SEND_CIRCULAR' } })).status).toBe(200);
    }

    // Leave only a little room on the file system.
    const stats = fs.statfsSync(mountPoint);
    const free = stats.bavail * stats.bsize;
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free - LEFT_FREE)));

    const statuses = new Map<number, number>();
    const accepted: string[] = [];
    let firstFull: ErrorReply | null = null;
    let refusedId: string | null = null;
    for (let i = 0; i < 2000 && !firstFull; i++) {
      const id = `fill-${i}`;
      const r = await request<OfficeBody | ErrorReply>(server.url, 'POST', '/api/offices', {
        body: { id, name: `Filler ${i}`, country: 'ES', contacts },
      });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 201) accepted.push(id);
      else {
        expect(r.status).toBe(507);
        firstFull = r.body as ErrorReply;
        refusedId = id;
      }
      // Events too, so history rows compete for the last pages.
      if (r.status === 201) {
        const e = await request(server.url, 'POST', `/api/offices/${id}/events`, { body: { type: 'SEND_CIRCULAR' } });
        statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1);
        expect([200, 507]).toContain(e.status);
      }
    }
    expect(firstFull).not.toBeNull();
    expect(firstFull?.error.code).toBe('storage_full');
    expect(typeof firstFull?.error.message).toBe('string');

    // More writes of every kind keep failing cleanly, never with a 500.
    for (let i = 0; i < 20; i++) {
      const r = await request(server.url, 'POST', `/api/offices/base-${i % 10}/events`, { body: { type: 'REPLY_AFFIRMATIVE' } });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect([200, 507]).toContain(r.status);
    }

    // Reads keep working while the disk is full.
    expect((await request(server.url, 'GET', '/healthz')).status).toBe(200);
    const list = await request<{ total: number }>(server.url, 'GET', '/api/offices?limit=5');
    expect(list.status).toBe(200);
    const stored = list.body.total;
    expect(stored).toBe(10 + accepted.length);
    expect((await request(server.url, 'GET', `/api/offices/${accepted.at(-1) ?? 'base-0'}`)).status).toBe(200);
    // The refused registration left nothing behind.
    expect((await request(server.url, 'GET', `/api/offices/${refusedId}`)).status).toBe(404);

    // A crash while the disk is full: the server comes back, serves reads and refuses writes cleanly.
    const port = server.port;
    await server.kill9();
    server = await startServer({ databasePath: file, port });
    expect((await request(server.url, 'GET', `/api/offices/${accepted.at(-1) ?? 'base-0'}`)).status).toBe(200);
    const listAfterCrash = await request<{ total: number }>(server.url, 'GET', '/api/offices?limit=5');
    expect(listAfterCrash.body.total).toBe(stored);
    const refusedAfterCrash = await request<ErrorReply>(server.url, 'POST', '/api/offices', { body: { id: refusedId, name: 'Filler', country: 'ES', contacts } });
    expect(refusedAfterCrash.status).toBe(507);

    // Space comes back: writes succeed again without a restart.
    fs.rmSync(filler);
    const again = await request<OfficeBody>(server.url, 'POST', '/api/offices', { body: { id: refusedId, name: 'Filler again', country: 'ES', contacts } });
    expect(again.status).toBe(201);
    const event = await request<OfficeBody>(server.url, 'POST', `/api/offices/${refusedId}/events`, { body: { type: 'SEND_CIRCULAR' } });
    expect(event.status).toBe(200);
    const history = await request<HistoryBody>(server.url, 'GET', `/api/offices/${refusedId}/history`);
    expect(history.body.events.map((e) => e.type)).toEqual(['REGISTERED', 'SEND_CIRCULAR']);

    console.log(JSON.stringify({ fsSize: FS_SIZE, leftFree: LEFT_FREE, officesAcceptedBeforeFull: accepted.length, statuses: Object.fromEntries(statuses) }));

    await server.stop();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const verify = await runCli(file, ['verify']);
    expect(verify.stdout).toMatch(/: 0 difference\(s\)\./);
    expect(verify.code).toBe(0);
  });
});
