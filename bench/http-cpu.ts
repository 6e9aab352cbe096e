/**
 * CPU time the server process spends per event on the HTTP path (c), from /proc/<pid>/stat, so
 * the figure depends on the machine's load much less than wall time: `npx tsx bench/http-cpu.ts [--offices N] [--clients N] [ENV.json]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { copyDb, HAPPY_PATH_LENGTH, makeRegisteredDb, removeDb } from './lib';
import { httpRunner } from './runners';

const TICK_MS = 10; // USER_HZ is 100 on Linux.

function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const offices = opt('offices', 1000);
  const clients = opt('clients', 8);
  const env = (argv.find((a) => a.startsWith('{')) ?? '{}');
  const dir = path.resolve('data', 'bench');
  const base = path.join(dir, `http-cpu-${offices}.db`);
  const file = path.join(dir, 'http-cpu-run.db');
  const warm = 200;
  await makeRegisteredDb(base, offices + warm, 'FULL');
  copyDb(base, file);
  const runner = await httpRunner('http', file, 'FULL', clients, JSON.parse(env) as Record<string, string>);
  const steps = Array.from({ length: HAPPY_PATH_LENGTH }, (_, s) => s);
  const indices = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
  try {
    await runner.run(indices(0, warm), steps);
    const pid = runner.server.child.pid!;
    const cpu0 = cpuMs(pid);
    const ms = await runner.run(indices(warm, offices), steps);
    const cpu = cpuMs(pid) - cpu0;
    const events = offices * steps.length;
    const metrics = await fetch(`http://127.0.0.1:${runner.server.port}/metrics`).then((r) => r.text());
    const sum = Number(/^onboarding_commit_batch_size_sum (\S+)/m.exec(metrics)?.[1]);
    const count = Number(/^onboarding_commit_batch_size_count (\S+)/m.exec(metrics)?.[1]);
    console.log(`commits ${count}, mean batch ${(sum / count).toFixed(2)}`);
    console.log(`${events} events: ${Math.round((events * 1000) / ms)} events/s, server CPU ${Math.round((cpu * 1000) / events)} µs/event, wall ${Math.round((ms * 1000) / events)} µs/event`);
  } finally {
    await runner.close();
    removeDb(file);
    removeDb(base);
  }
}

void main();
