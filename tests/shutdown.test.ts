/**
 * `npm start` stops cleanly when the npm process gets SIGTERM or SIGINT (what a process manager or
 * Ctrl-C sends): the request in flight gets its answer and its transition is committed, the live
 * stream ends, the server process exits 0 and the database it leaves opens and verifies clean.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { loadConfig } from '../config/env';
import { openRuntime } from '../app/runtime';
import { verify } from '../engine/verify';
import { api, makeTempDir, registerOffice, removeTempDir, ROOT, TEST_ADMIN_TOKEN } from './helpers/server';
import { sqliteDb } from './helpers/sqlite';

jest.setTimeout(180_000);

interface NpmServer {
  npm: ChildProcess;
  url: string;
  /** The server's own pid (from its log line): with `exec`, the npm child itself. */
  serverPid: number;
  output(): string;
  /** Resolves once `text` has been printed (bounded by the test's timeout). */
  printed(text: string): Promise<void>;
  npmExit: Promise<number | string>;
}

function startNpm(dbPath: string): Promise<NpmServer> {
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_PATH: dbPath, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'off', ADMIN_TOKEN: TEST_ADMIN_TOKEN, ADMIN_PASSWORD: 'shutdown-test-password', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  npm.stdout!.on('data', onData);
  npm.stderr!.on('data', onData);
  const npmExit = new Promise<number | string>((resolve) => npm.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const printed = (text: string) =>
    out.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve }));
  return printed('listening on http://').then(() => {
    const line = out.split('\n').find((l) => l.includes('listening on http://'))!;
    const { port, pid } = JSON.parse(line) as { port: number; pid: number };
    return { npm, url: `http://127.0.0.1:${port}`, serverPid: pid, output: () => out, printed, npmExit };
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * A POST that the server has started (it answered `100 Continue` to its headers, so the request is
 * in flight on an active connection) and whose body `finish()` sends; it resolves with the answer.
 */
function startedEvent(url: string, officeId: string, event: object) {
  const body = JSON.stringify(event);
  const req = http.request(`${url}/api/offices/${officeId}/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      expect: '100-continue',
    },
  });
  const started = new Promise<void>((resolve) => req.on('continue', () => resolve()));
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return {
    started,
    finish: () => {
      req.end(body);
      return answer;
    },
  };
}

/** An open live stream; `ended` resolves when the server ends it. */
function liveStream(url: string): Promise<{ ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/api/events/stream`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }, (res) => {
      res.resume();
      resolve({ ended: new Promise<void>((ended) => res.on('close', () => ended())) });
    });
    req.on('error', reject);
  });
}

describe.each(['SIGTERM', 'SIGINT'] as const)('npm start, then %s to the npm process', (signal) => {
  let dir: string;
  let started: NpmServer | undefined;
  beforeAll(() => {
    dir = makeTempDir();
  });
  afterAll(() => {
    // A test that timed out never reached its finally: leave no server behind.
    if (started && alive(started.serverPid)) process.kill(started.serverPid, 'SIGKILL');
    if (started?.npm.exitCode === null) started.npm.kill('SIGKILL');
    removeTempDir(dir);
  });

  it('answers the request in flight, commits it, ends the streams, exits 0 and leaves a clean database', async () => {
    const dbPath = path.join(dir, 'shutdown.db');
    const server = (started = await startNpm(dbPath));
    try {
      const id = await registerOffice(server.url, { id: 'SHUT-1' });
      const stream = await liveStream(server.url);
      const inFlight = startedEvent(server.url, id, { type: 'SEND_CIRCULAR' });
      await inFlight.started;

      server.npm.kill(signal);
      await server.printed(`${signal}: shutting down`);
      const answer = await inFlight.finish();
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ id, stage: 'invited' });
      await stream.ended;

      await server.printed('database closed; stopped');
      await gone(server.serverPid);
      expect(await server.npmExit).toBe(0);
      // No new connection is accepted once stopped.
      await expect(api(server.url, 'GET', '/healthz')).rejects.toThrow();
    } finally {
      if (alive(server.serverPid)) process.kill(server.serverPid, 'SIGKILL');
    }

    const runtime = await openRuntime(loadConfig({ DATABASE_PATH: dbPath, DEMO_DATA: 'off', LOG_LEVEL: 'silent' }));
    try {
      const report = await verify(runtime.store);
      expect(report.differences).toEqual([]);
      expect(report.offices).toBe(1);
      expect((await runtime.store.getOffice('SHUT-1'))!.version).toBe(1);
      expect(sqliteDb(runtime).pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      runtime.close();
    }
  });
});
