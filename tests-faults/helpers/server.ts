import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_TOKEN } from './http';

/** The repository root: the child server and CLI run from here. */
export const ROOT = path.resolve(__dirname, '..', '..');

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerHandle {
  proc: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** Everything the server wrote to stdout and stderr, line by line. */
  logs: string[];
  exited: Promise<ExitInfo>;
  /** SIGKILL: no shutdown handler runs, exactly like a crash or an OOM kill. */
  kill9(): Promise<ExitInfo>;
  /** SIGTERM and wait for the graceful shutdown. */
  stop(): Promise<ExitInfo>;
}

export interface StartOptions {
  databasePath: string;
  /** 0 picks a free port; pass the previous port to restart on the same address. */
  port?: number;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

/** Environment for a child server or CLI: loopback only, no demo data, quiet unless asked. */
export function childEnv(databasePath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_PATH: databasePath,
    DEMO_DATA: 'off',
    LOG_LEVEL: 'info',
    ADMIN_TOKEN,
    ADMIN_PASSWORD: 'fault-tests-admin-password',
    // Reminders stay quiet unless a test asks: no SMTP, mail as files beside the database.
    SMTP_URL: '',
    ...extra,
  };
}

/**
 * Starts `server/main.ts` as a real child process (node with the tsx loader in-process, so the
 * pid is the server itself and SIGKILL reaches it) and resolves once it listens.
 */
export function startServer(options: StartOptions): Promise<ServerHandle> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: childEnv(options.databasePath, { PORT: String(options.port ?? 0), ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<ExitInfo>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  let onPort: ((port: number) => void) | undefined;
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        const match = /"port":(\d+)/.exec(line);
        if (match && onPort) onPort(Number(match[1]));
      }
    });
  };
  collect(proc.stdout);
  collect(proc.stderr);

  return new Promise<ServerHandle>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start within ${options.startTimeoutMs ?? 30000} ms:\n${logs.join('\n')}`));
    }, options.startTimeoutMs ?? 30000);
    void exited.then((info) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (${JSON.stringify(info)}):\n${logs.join('\n')}`));
    });
    onPort = (port) => {
      clearTimeout(timer);
      onPort = undefined;
      const pid = proc.pid;
      if (pid === undefined) return reject(new Error('no pid'));
      resolve({
        proc,
        pid,
        port,
        url: `http://127.0.0.1:${port}`,
        logs,
        exited,
        kill9: () => {
          proc.kill('SIGKILL');
          return exited;
        },
        stop: () => {
          proc.kill('SIGTERM');
          return exited;
        },
      });
    };
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cli/main.ts` (what `npm run cli --` runs) against a database file. */
export function runCli(databasePath: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      cwd: ROOT,
      env: childEnv(databasePath, { LOG_LEVEL: 'warn', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    proc.once('error', reject);
    proc.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temporary directory, removed by `cleanup`. */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Resident set size of a process in KiB, from /proc/PID/status. */
export function rssKiB(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
