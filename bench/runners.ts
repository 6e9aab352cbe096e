/**
 * Runners drive one variant each — in a forked worker (floor, engine, peer) or over HTTP against a
 * child server — and `interleave()` runs them block by block, rotating the order, so that drift in
 * the machine (fsync latency on a shared virtual disk, other load) hits every variant alike and the
 * ratios stay meaningful even when the absolute figures wander.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { benchOfficeId, happyPath, httpAgent, procMemory, request, startServer, type ChildServer } from './lib';
import type { Synchronous } from './result';
import type { VariantKind } from './variants';
import type { WorkerReply, WorkerRequest } from './worker';

export interface Runner {
  name: string;
  /** Takes events `steps` of every office in `indices`; returns the busy time in ms. */
  run(indices: number[], steps: number[]): Promise<number>;
  /** RSS and peak RSS (VmHWM) of the process doing the work, in bytes. */
  memory(): Promise<{ rss: number; peak: number }>;
  close(): Promise<void>;
}

export async function forkRunner(name: string, kind: VariantKind, file: string, sync: Synchronous): Promise<Runner> {
  const child: ChildProcess = fork(path.join(__dirname, 'worker.ts'), [], {
    execArgv: [...(process.env.BENCH_WORKER_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;
  child.on('message', (reply: WorkerReply) => {
    const p = pending;
    pending = undefined;
    p?.resolve(reply);
  });
  child.on('exit', (code) => {
    const p = pending;
    pending = undefined;
    p?.reject(new Error(`${name} worker exited with ${code}`));
  });
  const call = (msg: WorkerRequest): Promise<WorkerReply & { ok: true }> =>
    new Promise((resolve, reject) => {
      pending = {
        resolve: (r) => (r.ok ? resolve(r) : reject(new Error(`${name}: ${r.error}`))),
        reject,
      };
      child.send(msg);
    });
  await call({ op: 'open', kind, file, sync });
  return {
    name,
    run: async (indices, steps) => (await call({ op: 'run', indices, steps })).ms!,
    memory: async () => {
      const r = await call({ op: 'memory' });
      return { rss: r.rss!, peak: r.peak! };
    },
    close: async () => {
      if (child.exitCode !== null) return;
      await call({ op: 'close' });
      child.disconnect();
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    },
  };
}

/**
 * (c) `POST /api/offices/:id/events` against the real server entry in a child process, from
 * `clients` concurrent keep-alive clients in this process; each client owns a share of the offices.
 */
export async function httpRunner(
  name: string,
  file: string,
  sync: Synchronous,
  clients: number,
  /** Extra environment for the server (bench/server-ab.ts compares two). */
  env: Record<string, string> = {},
): Promise<Runner & { server: ChildServer }> {
  const server = await startServer(file, sync, env);
  const client = async (agent: ReturnType<typeof httpAgent>, indices: number[], steps: number[]) => {
    for (const step of steps) {
      for (const i of indices) {
        const event = happyPath(i)[step]!;
        const res = await request(agent, server.port, 'POST', `/api/offices/${benchOfficeId(i)}/events`, event);
        if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${event.type} on ${benchOfficeId(i)}: ${res.body}`);
      }
    }
  };
  return {
    name,
    server,
    run: async (indices, steps) => {
      // Fresh keep-alive connections per block: a connection left idle while the other variants run
      // would be closed by the server's keep-alive timeout and could reset a request racing it.
      const agent = httpAgent(clients);
      try {
        const t = performance.now();
        const shares = Array.from({ length: clients }, (_, c) => indices.filter((_, k) => k % clients === c));
        await Promise.all(shares.filter((s) => s.length > 0).map((share) => client(agent, share, steps)));
        return performance.now() - t;
      } finally {
        agent.destroy();
      }
    },
    memory: async () => procMemory(server.child.pid!),
    close: () => server.stop(),
  };
}

export interface Tally {
  events: number;
  ms: number;
  eventsPerSec: number;
}

/**
 * Runs every runner over the same offices: for each block of offices, each runner takes its steps
 * for that block (the order of runners rotates from block to block). `steps` may differ per runner
 * (the peer's path is shorter). Returns the total busy time and events of each runner.
 */
export async function interleave(
  runners: { runner: Runner; steps: number[] }[],
  indices: number[],
  blockSize: number,
  log: (m: string) => void = () => {},
): Promise<Map<string, Tally>> {
  const tally = new Map<string, Tally>(runners.map(({ runner }) => [runner.name, { events: 0, ms: 0, eventsPerSec: 0 }]));
  const blocks = Math.ceil(indices.length / blockSize);
  let lastLog = performance.now();
  for (let b = 0; b < blocks; b++) {
    const block = indices.slice(b * blockSize, (b + 1) * blockSize);
    for (let k = 0; k < runners.length; k++) {
      const { runner, steps } = runners[(b + k) % runners.length]!;
      const ms = await runner.run(block, steps);
      const t = tally.get(runner.name)!;
      t.ms += ms;
      t.events += block.length * steps.length;
    }
    if (performance.now() - lastLog > 15_000 || b === blocks - 1) {
      lastLog = performance.now();
      const parts = [...tally].map(([name, t]) => `${name} ${Math.round((t.events * 1000) / t.ms)}/s`);
      log(`  block ${b + 1}/${blocks}: ${parts.join(', ')}`);
    }
  }
  for (const t of tally.values()) t.eventsPerSec = (t.events * 1000) / t.ms;
  return tally;
}
