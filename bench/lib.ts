/**
 * Helpers shared by the benchmark modules: the happy path, scratch databases, a child server,
 * HTTP clients with keep-alive, memory sampling and timing. Not a benchmark itself (no `.bench.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime';
import { loadConfig, type Config } from '../config/env';
import type { OfficeEvent } from '../machines/events';
import type { Synchronous } from './result';

export const ROOT = path.resolve(__dirname, '..');

/** The kit track's whole happy path: 11 events from `prospect` to `handedOver`. */
export function happyPath(index: number): OfficeEvent[] {
  return [
    { type: 'SEND_CIRCULAR', letterRef: `C.${9000 + (index % 500)}` },
    { type: 'REPLY_AFFIRMATIVE' },
    { type: 'SITE_SURVEYED' },
    { type: 'SITE_READY' },
    { type: 'FOCAL_POINT_NOMINATED', name: `Focal Point ${index}`, email: `focal${index}@ipo.example.org` },
    { type: 'ENROLLED', workshopId: `WS-${1 + (index % 8)}` },
    { type: 'TRAINING_COMPLETED' },
    { type: 'KIT_SHIPPED', goldDiskVersion: '2026.2' },
    { type: 'KIT_DELIVERED' },
    { type: 'KIT_INSTALLED' },
    { type: 'HANDED_OVER' },
  ];
}

export const HAPPY_PATH_LENGTH = happyPath(0).length;

export const benchOfficeId = (i: number) => `BENCH-${String(i).padStart(6, '0')}`;

const COUNTRIES = ['FR', 'KE', 'BR', 'IN', 'JP', 'MX', 'EG', 'DE', 'VN', 'PE', 'SN', 'CA'];

export function benchConfig(file: string, sync: Synchronous, extra: Partial<Config> = {}): Config {
  return loadConfig({}, { DATABASE_PATH: file, DB_SYNCHRONOUS: sync, DEMO_DATA: 'off', LOG_LEVEL: 'silent', ...extra });
}

/** Registers offices 0..count-1 (in one transaction: set-up, not measured) and closes the file cleanly. */
export async function makeRegisteredDb(file: string, count: number, sync: Synchronous): Promise<void> {
  removeDb(file);
  const runtime = await openRuntime(benchConfig(file, sync));
  try {
    await runtime.engine.transact(async () => {
      for (let i = 0; i < count; i++) {
        await runtime.engine.register(
          {
            id: benchOfficeId(i),
            name: `Bench Office ${i}`,
            country: COUNTRIES[i % COUNTRIES.length]!,
            language: 'en',
            track: 'kit',
            contacts: [{ name: `Director ${i}`, email: `director${i}@ipo.example.org` }],
          },
          { actor: 'bench' },
        );
      }
    });
  } finally {
    runtime.close();
  }
}

export function copyDb(from: string, to: string): void {
  removeDb(to);
  fs.copyFileSync(from, to);
}

export function removeDb(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

export async function openBenchRuntime(file: string, sync: Synchronous): Promise<Runtime> {
  return await openRuntime(benchConfig(file, sync));
}

/** Samples this process's RSS; call `tick()` from hot loops (it reads the RSS every `every` calls). */
export class RssSampler {
  peak = process.memoryUsage.rss();
  private n = 0;
  constructor(private readonly every = 256) {}
  tick(): void {
    if (++this.n % this.every === 0) this.sample();
  }
  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }
}

export const MB = 1024 * 1024;
export const toMB = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

/** Reads a Linux process's resident set (VmRSS) and its peak (VmHWM), in bytes. */
export function procMemory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export const now = () => performance.now();

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The admin bearer token the benchmark's child servers are started with (ADMIN_TOKEN). */
export const BENCH_TOKEN = 'bench-admin-token-7d1e4c9a2f';

export interface ChildServer {
  child: ChildProcess;
  port: number;
  /** Milliseconds from spawn to "listening". */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * Starts the real server entry (`server/main.ts`, through tsx) in a child process on `file`, so the
 * benchmark's clients do not share its event loop. Resolves once it listens.
 */
export function startServer(file: string, sync: Synchronous, env: Record<string, string> = {}): Promise<ChildServer> {
  const started = now();
  // BENCH_SERVER_ARGS passes node flags to the server, e.g. "--cpu-prof --cpu-prof-dir=data/prof".
  const nodeArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_PATH: file,
      DB_SYNCHRONOUS: sync,
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_DATA: 'off',
      LOG_LEVEL: 'info',
      ADMIN_TOKEN: BENCH_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let port: number | undefined;
        try {
          port = (JSON.parse(line) as { port?: number }).port;
        } catch {
          continue;
        }
        if (typeof port === 'number') {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          const startMs = now() - started;
          resolve({
            child,
            port,
            startMs,
            stop: () =>
              new Promise<void>((done) => {
                if (child.exitCode !== null) return done();
                child.once('exit', () => done());
                child.kill('SIGTERM');
              }),
          });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${stderr}`)));
  });
}

export interface HttpResponse {
  status: number;
  body: string;
}

export function httpAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets });
}

export function request(
  agent: http.Agent,
  port: number,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent,
        headers: {
          authorization: `Bearer ${BENCH_TOKEN}`,
          'x-actor': 'bench',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // Headers and body in one segment, and no Nagle delay: otherwise delayed ACKs stall each request.
    req.setNoDelay(true);
    req.end(payload);
  });
}

/** Latency statistics in milliseconds. */
export function latencyStats(samples: number[]): { p50: number; p95: number; max: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0, mean };
}

/** Runs `gc()` when node was started with --expose-gc, so RSS readings are less noisy. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}
