import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openRuntime, type Runtime, type RuntimeOptions } from '../../app/runtime';
import { loadConfig, type Config } from '../../config/env';
import { createApp, type App } from '../../server/app';
import { freshDatabase } from './postgres';

/** Set by the jest project that runs the storage suites again on PostgreSQL (jest.config.js). */
export const ON_POSTGRES = process.env.TEST_BACKEND === 'postgres';

/** The project root: child processes run from here so `tsx` and relative paths resolve. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** A fresh directory under the system temp dir; removed by `removeTempDir`. */
export function makeTempDir(prefix = 'onboarding-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface TestServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  runtime: Runtime;
  app: App;
  dbPath: string;
  /** The server's PostgreSQL database in the "postgres" project; CLI processes are given it as DATABASE_URL (`runCliOn`). */
  databaseUrl?: string;
  /** Stops the HTTP server and closes the database (the temp dir is removed only if we made it). */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Use this database file instead of a fresh one in a temp dir. */
  dbPath?: string;
  config?: Partial<Config>;
  runtime?: RuntimeOptions;
}

/**
 * Every test request carries this admin bearer token (ADMIN_TOKEN), so the tests speak to the API as
 * an operator's script would, whatever access a route declares.
 */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** The configuration the tests use: the caller's environment, a given file, no demo data. */
export function testConfig(dbPath: string, overrides: Partial<Config> = {}): Config {
  return loadConfig(
    { ...process.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    { DATABASE_PATH: dbPath, DEMO_DATA: 'off', LOG_LEVEL: 'silent', ...overrides },
  );
}

/** The real server, in this process, on 127.0.0.1 and a free port, with a real SQLite file. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const ownDir = options.dbPath ? null : makeTempDir();
  const dbPath = options.dbPath ?? path.join(ownDir!, 'onboarding.db');
  // The PostgreSQL run of the suites (jest project "postgres"): a database of its own per server.
  const database = !options.dbPath && ON_POSTGRES ? await freshDatabase() : undefined;
  const config = database ? { ...options.config, DATABASE_URL: database.url } : options.config;
  const runtime = await openRuntime(testConfig(dbPath, config), options.runtime);
  const app = createApp(runtime);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    app,
    dbPath,
    databaseUrl: database?.url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      runtime.close();
      await database?.drop();
      if (ownDir) removeTempDir(ownDir);
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** JSON request helper: `body` objects are sent as JSON, strings as they are (for malformed input). */
export async function api<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  base: string,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + urlPath, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text so an assertion shows it
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Registers an office through the API and returns its id (fails the test on anything but 201). */
export async function registerOffice(base: string, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await api<{ id: string }>(base, 'POST', '/api/offices', {
    name: 'Test Office',
    country: 'FR',
    contacts: [{ name: 'Ada Test', email: 'ada@example.org' }],
    ...fields,
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export interface ChildServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the child printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the child is gone. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const TSX = ['--import', 'tsx'];

function childEnv(dbPath: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_PATH: dbPath, DEMO_DATA: 'off', ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...extra };
}

/**
 * `server/main.ts` as a child process (the crash test kills it). It listens on PORT=0; the port is
 * read from the start-up log line that pino writes as JSON.
 */
export function spawnServer(dbPath: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<ChildServer> {
  const child = spawn(process.execPath, [...TSX, 'server/main.ts'], {
    cwd: ROOT,
    env: childEnv(dbPath, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise<ChildServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const port = (JSON.parse(line) as { port?: unknown }).port;
          if (typeof port === 'number' && port > 0) {
            clearTimeout(timer);
            child.stdout!.off('data', onData);
            child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
            resolve({
              url: `http://127.0.0.1:${port}`,
              port,
              child,
              output: () => out,
              exited,
              kill: (signal = 'SIGTERM') => {
                if (child.exitCode === null && child.signalCode === null) child.kill(signal);
                return exited;
              },
            });
            return;
          }
        } catch {
          // a partial line: wait for more
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
}

/** Runs `server/main.ts` expecting it to refuse to start; resolves with its exit code and output. */
export function runServerToExit(dbPath: string, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return run([...TSX, 'server/main.ts'], childEnv(dbPath, { PORT: '0', ...env }));
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- ARGS` without npm in between: the same entry point and configuration. */
export function runCli(dbPath: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return run([...TSX, 'cli/main.ts', ...args], childEnv(dbPath, env));
}

/** A CLI command on the database of a server started by `startServer`, whichever backend it is on. */
export function runCliOn(server: Pick<TestServer, 'dbPath' | 'databaseUrl'>, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return runCli(server.dbPath, args, { DATABASE_URL: server.databaseUrl, ...env });
}

/**
 * A fresh, empty database of the backend under test for CLI processes: a file in a directory of its
 * own, and in the "postgres" project a PostgreSQL database of its own too, given to every command as
 * DATABASE_URL (the file's directory then only holds the outbox's `.eml` files).
 */
export interface CliDatabase {
  dir: string;
  dbPath: string;
  /** Set on PostgreSQL. */
  url?: string;
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CommandResult>;
  /** Settings for a runtime opened in the test process on the same database. */
  config: Partial<Config>;
  drop(): Promise<void>;
}

export async function freshCliDatabase(): Promise<CliDatabase> {
  const dir = makeTempDir('onboarding-cli-');
  const dbPath = path.join(dir, 'onboarding.db');
  const database = ON_POSTGRES ? await freshDatabase() : undefined;
  return {
    dir,
    dbPath,
    url: database?.url,
    cli: (args, env = {}) => runCli(dbPath, args, { DATABASE_URL: database?.url, ...env }),
    config: database ? { DATABASE_URL: database.url } : {},
    drop: async () => {
      await database?.drop();
      removeTempDir(dir);
    },
  };
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 150_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
