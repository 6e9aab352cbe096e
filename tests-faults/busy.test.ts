import { spawn } from 'node:child_process';
import path from 'node:path';
import { request, type ErrorReply, type HistoryBody, type OfficeBody } from './helpers/http';
import { ROOT, runCli, startServer, tempDir, type ServerHandle } from './helpers/server';

jest.setTimeout(120_000);

const BUSY_TIMEOUT_MS = 500;
const LOCK_MS = 2000;

/**
 * Another process takes SQLite's write lock (BEGIN IMMEDIATE) and holds it until `release()`
 * (at the latest after 60 s), so each check below runs while the lock is certainly held, however
 * slow the machine. The test holds it at least LOCK_MS.
 */
function holdWriteLock(file: string): Promise<{ lockedAt: number; release(): Promise<number> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN IMMEDIATE');
    const done = () => { db.exec('ROLLBACK'); db.close(); process.stdout.write('released\\n'); process.exit(0); };
    process.stdin.on('data', done);
    setTimeout(done, 60000);
    process.stdout.write('locked\\n');
  `;
  const proc = spawn(process.execPath, ['-e', script, file], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let releasedResolve: (t: number) => void = () => undefined;
    const released = new Promise<number>((r) => (releasedResolve = r));
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('locked')) {
        resolve({
          lockedAt: Date.now(),
          release: () => {
            proc.stdin.write('release\n');
            return released;
          },
        });
      }
      if (chunk.includes('released')) releasedResolve(Date.now());
    });
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`lock holder exited with ${code}`));
    });
  });
}

describe('SQLite busy: another process holds the write lock for 2 s', () => {
  const { dir, cleanup } = tempDir('fault-busy');
  const file = path.join(dir, 'busy.db');
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ databasePath: file, env: { DB_BUSY_TIMEOUT_MS: String(BUSY_TIMEOUT_MS) } });
  });
  afterAll(async () => {
    await server?.stop();
    cleanup();
  });

  test('writes wait for the busy timeout, answer 503 database_busy, write nothing, and succeed once the lock is gone', async () => {
    const created = await request<OfficeBody>(server.url, 'POST', '/api/offices', {
      body: { id: 'busy-1', name: 'Busy office', country: 'FR' },
    });
    expect(created.status).toBe(201);
    const sent = await request<OfficeBody>(server.url, 'POST', '/api/offices/busy-1/events', { body: { type: 'SEND_CIRCULAR' } });
    expect(sent.status).toBe(200);
    expect(sent.body.version).toBe(1);

    const lock = await holdWriteLock(file);

    // A transition: waits for the busy timeout, then a clean, retryable 503.
    const t0 = Date.now();
    const event = await request<ErrorReply>(server.url, 'POST', '/api/offices/busy-1/events', {
      body: { type: 'REPLY_AFFIRMATIVE' },
      headers: { 'if-match': '"1"' },
    });
    const waited = Date.now() - t0;
    expect(event.status).toBe(503);
    expect(event.body.error.code).toBe('database_busy');
    expect(event.body.error.details).toEqual({ retryable: true });
    expect(event.headers.get('retry-after')).toBe('1');
    expect(typeof event.body.error.message).toBe('string');
    // It waited for the busy timeout rather than failing at once.
    expect(waited).toBeGreaterThanOrEqual(BUSY_TIMEOUT_MS - 50);

    // A registration is refused the same way.
    const register = await request<ErrorReply>(server.url, 'POST', '/api/offices', {
      body: { id: 'busy-2', name: 'Second busy office', country: 'ES' },
    });
    expect(register.status).toBe(503);
    expect(register.body.error.code).toBe('database_busy');

    // Reads do not need the write lock (WAL): they answer during the lock.
    const read = await request<OfficeBody>(server.url, 'GET', '/api/offices/busy-1');
    expect(read.status).toBe(200);
    expect(read.body.version).toBe(1);

    // Measured, not asserted: better-sqlite3 waits synchronously, so a read that arrives while a
    // write waits for the lock is answered only after that write gives up.
    const t1 = Date.now();
    const [blockedWrite, readDuringWait] = await Promise.all([
      request(server.url, 'POST', '/api/offices/busy-1/events', { body: { type: 'REPLY_AFFIRMATIVE' } }),
      (async () => {
        await new Promise((r) => setTimeout(r, 50));
        const t = Date.now();
        const reply = await request(server.url, 'GET', '/api/offices/busy-1');
        return { status: reply.status, ms: Date.now() - t };
      })(),
    ]);
    expect(blockedWrite.status).toBe(503);
    expect(readDuringWait.status).toBe(200);
    const heldFor = Date.now() - lock.lockedAt;
    if (heldFor < LOCK_MS) await new Promise((r) => setTimeout(r, LOCK_MS - heldFor));
    const releasedTime = await lock.release();
    console.log(
      JSON.stringify({
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        lockMs: LOCK_MS,
        firstWriteAnsweredAfterMs: waited,
        readBehindWaitingWriteMs: readDuringWait.ms,
        secondWindowMs: Date.now() - t1,
        releasedAfterMs: releasedTime - lock.lockedAt,
      }),
    );

    // Nothing half-written: same version, same history, the refused office does not exist.
    const after = await request<OfficeBody>(server.url, 'GET', '/api/offices/busy-1');
    expect(after.body.version).toBe(1);
    const history = await request<HistoryBody>(server.url, 'GET', '/api/offices/busy-1/history');
    expect(history.body.events.map((e) => e.type)).toEqual(['REGISTERED', 'SEND_CIRCULAR']);
    expect((await request(server.url, 'GET', '/api/offices/busy-2')).status).toBe(404);

    // The same requests succeed once the lock is released.
    const retried = await request<OfficeBody>(server.url, 'POST', '/api/offices/busy-1/events', {
      body: { type: 'REPLY_AFFIRMATIVE' },
      headers: { 'if-match': '"1"' },
    });
    expect(retried.status).toBe(200);
    expect(retried.body.version).toBe(2);
    expect((await request(server.url, 'POST', '/api/offices', { body: { id: 'busy-2', name: 'Second busy office', country: 'ES' } })).status).toBe(201);

    const verify = await runCli(file, ['verify']);
    expect(verify.stdout).toMatch(/Verified 2 offices, 2 events: 0 difference\(s\)\./);
    expect(verify.code).toBe(0);
  });
});
