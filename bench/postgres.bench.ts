/**
 * Issue 15 §5 on PostgreSQL: (a) the floor — raw `pg`, one connection, per event `BEGIN; SELECT …
 * FOR UPDATE; transition(); the engine's writes; COMMIT`; (b) `engine.apply` in-process, core engine
 * without the features' hooks; (b8) the same with eight appliers sharing a pool of eight; (c) HTTP,
 * eight keep-alive clients against one server process; (d) the same clients round-robin over three
 * server processes on one database (bench/postgres-http.ts). Each variant has a fresh database of
 * its own with the same registered offices; the variants take turns block by block, so a change in
 * the machine's load falls on all of them. Opt-in: `npm run bench -- --only postgres`.
 */
import { Client } from 'pg';
import { transition } from 'xstate';
import { Engine } from '../engine/engine';
import { activeNodes, fromStored, leafPaths, stageOf, toStored } from '../engine/snapshot';
import { officeMachine } from '../machines/office';
import { createPostgresOfficeStore } from '../storage/postgres/office-store';
import { migratePostgres } from '../storage/postgres/migrate';
import { createPool } from '../storage/postgres/pool';
import { PostgresUnitOfWork } from '../storage/postgres/unit-of-work';
import { benchOfficeId, HAPPY_PATH_LENGTH, happyPath, round } from './lib';
import { httpVariant, type HttpVariant, type Variant } from './postgres-http';
import type { BenchArgs, BenchResult } from './result';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BLOCK = 50;
const HTTP_CLIENTS = 8;
// A contact, so the servers of (c) and (d) queue and send the circular: (d) checks it goes out once.
const office = (i: number) => ({
  id: benchOfficeId(i), name: `Bench office ${i}`, country: 'FR', language: 'fr', track: 'kit' as const,
  contacts: [{ name: `Director ${i}`, email: `director${i}@ipo.example.org` }],
});

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

interface Prepared {
  url: string;
  engine: Engine;
  unit: PostgresUnitOfWork;
}

async function prepare(name: string, offices: number): Promise<Prepared> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  const url = databaseUrl(name);
  const pool = createPool({ url, poolSize: 8 });
  await migratePostgres(pool);
  const unit = new PostgresUnitOfWork(pool);
  const engine = new Engine({ store: createPostgresOfficeStore(unit) });
  for (let i = 0; i < offices; i++) await engine.register(office(i), { actor: 'bench' });
  return { url, engine, unit };
}

/** (a) The floor: no project code between the driver and `transition()` in the measured loop. */
async function floorVariant({ url, unit }: Prepared): Promise<Variant> {
  await unit.pool.end();
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    name: 'a_floor',
    async block(from, count) {
      const ms: number[] = [];
      for (let i = from; i < from + count; i++) {
        for (const [seq, event] of happyPath(i).entries()) {
          const t0 = performance.now();
          const id = benchOfficeId(i);
          await client.query('BEGIN');
          const { rows } = await client.query<{ snapshot: Parameters<typeof fromStored>[0]; version: number; states: string[] }>(
            'SELECT snapshot, version, states FROM offices WHERE id = $1 FOR UPDATE',
            [id],
          );
          const before = fromStored(rows[0]!.snapshot);
          const [after] = transition(officeMachine, before, event);
          const beforePaths = new Set(activeNodes(before.value).map((n) => n.path));
          const afterNodes = activeNodes(after.value);
          const afterPaths = new Set(afterNodes.map((n) => n.path));
          const at = new Date().toISOString();
          await client.query('UPDATE offices SET stage = $2, states = $3, snapshot = $4, version = $5, updated_at = $6 WHERE id = $1', [
            id, stageOf(after.value), JSON.stringify(leafPaths(after.value)), JSON.stringify(toStored(after)), seq + 1, at,
          ]);
          const exited = [...beforePaths].filter((p) => !afterPaths.has(p));
          const entered = afterNodes.filter((n) => !beforePaths.has(n.path));
          if (exited.length) await client.query('DELETE FROM office_states WHERE office_id = $1 AND path = ANY($2::text[])', [id, exited]);
          if (entered.length) {
            await client.query(
              'INSERT INTO office_states (office_id, path, is_leaf, entered_at) SELECT $1, p, l, $2 FROM unnest($3::text[], $4::boolean[]) AS t(p, l)',
              [id, at, entered.map((n) => n.path), entered.map((n) => n.isLeaf)],
            );
          }
          const { type, ...payload } = event;
          await client.query(
            'INSERT INTO history (office_id, seq, type, payload, from_states, to_states, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
            [id, seq + 1, type, JSON.stringify(payload), JSON.stringify(rows[0]!.states), JSON.stringify(leafPaths(after.value)), 'bench', at],
          );
          await client.query('COMMIT');
          ms.push(performance.now() - t0);
        }
      }
      return ms;
    },
    close: () => client.end(),
  };
}

/** (b) engine.apply in-process; `appliers` offices at a time, each applier one office's path in order. */
async function engineVariant({ engine, unit }: Prepared, label: string, appliers: number): Promise<Variant> {
  return {
    name: label,
    async block(from, count) {
      const ms: number[] = [];
      let next = from;
      const worker = async () => {
        for (let i = next++; i < from + count; i = next++) {
          for (const event of happyPath(i)) {
            const t0 = performance.now();
            await engine.apply(benchOfficeId(i), event, { actor: 'bench' });
            ms.push(performance.now() - t0);
          }
        }
      };
      await Promise.all(Array.from({ length: appliers }, worker));
      return ms;
    },
    close: () => unit.pool.end(),
  };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function run(args: BenchArgs): Promise<BenchResult[]> {
  try {
    await admin('SELECT 1');
  } catch (error) {
    args.log(`postgres: no PostgreSQL answers at BENCH_DATABASE_URL (${new URL(SERVER_URL).host}): ${(error as Error).message}; skipped`);
    return [];
  }
  const offices = Math.min(args.offices, 2000);
  const tag = `bench_pg_${process.pid}`;
  const databases: string[] = [];
  const variants: Variant[] = [];
  const http = new Map<string, HttpVariant>();
  const latencies = new Map<string, number[]>();
  const seconds = new Map<string, number>();
  const integrity = new Map<string, Awaited<ReturnType<HttpVariant['check']>>>();
  try {
    const fresh = async (suffix: string) => {
      databases.push(`${tag}_${suffix}`);
      return await prepare(`${tag}_${suffix}`, offices);
    };
    args.log(`postgres: registering ${offices} offices in five databases`);
    variants.push(await floorVariant(await fresh('a')));
    variants.push(await engineVariant(await fresh('b'), 'b_engine_apply', 1));
    variants.push(await engineVariant(await fresh('b8'), 'b8_engine_apply_8', 8));
    for (const [suffix, label, servers] of [['c', 'c_http_1_server', 1], ['d', 'd_http_3_servers', 3]] as const) {
      const { url, unit } = await fresh(suffix);
      await unit.pool.end();
      const v = await httpVariant(label, url, servers, HTTP_CLIENTS);
      variants.push(v);
      http.set(label, v);
    }
    for (const v of variants) {
      latencies.set(v.name, []);
      seconds.set(v.name, 0);
    }
    for (let from = 0, b = 0; from < offices; from += BLOCK, b++) {
      const count = Math.min(BLOCK, offices - from);
      // The order rotates from block to block, so no variant always follows the same one.
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(b + k) % variants.length]!;
        const t0 = performance.now();
        latencies.get(v.name)!.push(...(await v.block(from, count)));
        seconds.set(v.name, seconds.get(v.name)! + (performance.now() - t0) / 1000);
      }
      args.log(`  block ${b + 1}/${Math.ceil(offices / BLOCK)} done`);
    }
    for (const [label, v] of http) integrity.set(label, await v.check(HAPPY_PATH_LENGTH));
  } finally {
    for (const v of variants) await v.close().catch((error: unknown) => args.log(`postgres: closing ${v.name}: ${(error as Error).message}`));
    for (const name of databases) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const events = offices * HAPPY_PATH_LENGTH;
  const rate = (name: string) => events / seconds.get(name)!;
  const results: BenchResult[] = [];
  for (const v of variants) {
    const sorted = [...latencies.get(v.name)!].sort((x, y) => x - y);
    results.push({ name: `postgres.${v.name}`, value: round(rate(v.name)), unit: 'events/s', note: `${offices} offices × ${HAPPY_PATH_LENGTH} events; p50 ${round(quantile(sorted, 0.5), 2)} ms, p99 ${round(quantile(sorted, 0.99), 2)} ms per event` });
  }
  results.push({ name: 'postgres.ratio_b_a', value: round(rate('b_engine_apply') / rate('a_floor'), 2), unit: 'x', note: 'target >= 0.7; one connection each' });
  results.push({ name: 'postgres.ratio_b8_a', value: round(rate('b8_engine_apply_8') / rate('a_floor'), 2), unit: 'x', note: 'eight appliers on a pool of eight against the one-connection floor' });
  results.push({ name: 'postgres.ratio_d_c', value: round(rate('d_http_3_servers') / rate('c_http_1_server'), 2), unit: 'x', note: `target >= 0.9; ${HTTP_CLIENTS} clients on one server, then round-robin over three on one database` });
  for (const [label, r] of integrity) {
    const clean = r.forks === 0 && r.incomplete === 0 && r.duplicates === 0 && r.retried === 0;
    results.push({
      name: `postgres.${label}.forks`, value: r.forks, unit: 'offices',
      note: `${clean ? 'clean' : 'NOT CLEAN'}: ${r.offices} offices, ${r.incomplete} short of the whole path; ${r.mails} mails queued, ${r.sent} sent, ${r.files} .eml files, ${r.duplicates} office+kind queued twice, ${r.retried} attempted twice`,
    });
  }
  return results;
}
