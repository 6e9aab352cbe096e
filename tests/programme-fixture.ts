import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { loadConfig, type Config } from '../config/env';
import { fixedClock } from '../engine/clock';
import { importJsonLines } from '../engine/import';
import { createApp } from '../server/app';

/** A real runtime on a fresh SQLite file, with a clock the test moves by hand. */
export interface ProgrammeFixture {
  runtime: Runtime;
  clock: ReturnType<typeof fixedClock>;
  dir: string;
  dbPath: string;
  /** Imports JSON Lines (objects are serialised) through the engine, with the runtime's import kinds. */
  load(lines: object[]): ReturnType<typeof importJsonLines>;
  /** Starts the HTTP server on 127.0.0.1; returns its base URL. */
  serve(): Promise<string>;
  /** Stops the server and closes the database; removes the directory unless `keepFiles`. */
  close(keepFiles?: boolean): Promise<void>;
}

export async function openFixture(
  now: string,
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'programme-test-')),
  /** Settings beside the file's, e.g. DATABASE_URL for a runtime on PostgreSQL. */
  settings: Partial<Config> = {},
): Promise<ProgrammeFixture> {
  const dbPath = path.join(dir, 'onboarding.db');
  const clock = fixedClock(now);
  const config = loadConfig(process.env, { DATABASE_PATH: dbPath, DEMO_DATA: 'off', LOG_LEVEL: 'silent', ...settings });
  const runtime = await openRuntime(config, { clock });
  let server: Server | undefined;
  return {
    runtime,
    clock,
    dir,
    dbPath,
    load: (lines) => importJsonLines(runtime.engine, lines.map((l) => JSON.stringify(l)).join('\n'), 'test:import', runtime.importKinds),
    async serve() {
      const { app } = createApp(runtime);
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close(keepFiles = false) {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      runtime.close();
      if (!keepFiles) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const office = (id: string, country: string, at: string, extra: Record<string, unknown> = {}) => ({
  kind: 'office',
  id,
  name: `Industrial Property Office ${id}`,
  country,
  at,
  ...extra,
});

export const event = (officeId: string, at: string, type: string, payload: Record<string, unknown> = {}) => ({
  kind: 'event',
  office: officeId,
  type,
  at,
  ...payload,
});

/** Circular letter, yes, site survey and site ready: the office's site region is done. */
export function invitedAndSiteReady(id: string, days: { circular: string; yes: string; surveyed: string; ready: string }) {
  return [
    event(id, days.circular, 'SEND_CIRCULAR'),
    event(id, days.yes, 'REPLY_AFFIRMATIVE'),
    event(id, days.surveyed, 'SITE_SURVEYED'),
    event(id, days.ready, 'SITE_READY'),
  ];
}

export async function getJson<T = any>(url: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export async function postJson<T = any>(url: string, body: unknown): Promise<{ status: number; body: T }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Actor': 'test' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
