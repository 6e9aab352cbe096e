/**
 * The ways of taking one event for one office that the benchmarks compare. Each is opened on its
 * own database file; `apply` does one whole durable transition.
 */
import Database from 'better-sqlite3';
import { transition, type StateValue } from 'xstate';
import type { OfficeEvent } from '../machines/events';
import { officeMachine, OFFICE_MACHINE_VERSION, type OfficeContext } from '../machines/office';
import { Engine } from '../engine/engine';
import { migrate, openDatabase } from '../storage/db';
import { createOfficeStore } from '../storage/office-store';
import { benchOfficeId, happyPath, openBenchRuntime } from './lib';
import type { Synchronous } from './result';

export interface Applier {
  /** Takes event number `step` of office number `index` (sync or async). */
  apply(index: number, step: number): void | Promise<void>;
  close(): void | Promise<void>;
}

export type VariantKind = 'floor' | 'core' | 'engine' | 'peer';

interface FloorRow {
  snapshot: string;
  states: string;
  entered_at: string;
  version: number;
}

/** Paths of the active nodes of a state value, compound ones included; `leavesOnly` keeps the leaves. */
function nodes(value: StateValue, leavesOnly: boolean, prefix = '', out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(prefix + value);
    return out;
  }
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    if (typeof child === 'object' && Object.keys(child).length === 0) out.push(prefix + key);
    else {
      if (!leavesOnly) out.push(prefix + key);
      nodes(child, leavesOnly, prefix + key + '.', out);
    }
  }
  return out;
}

/** Caches each office's path: building the event objects is not what is measured. */
export function pathCache(paths: (i: number) => OfficeEvent[]): (index: number, step: number) => OfficeEvent {
  const cache = new Map<number, OfficeEvent[]>();
  return (index, step) => {
    let p = cache.get(index);
    if (!p) cache.set(index, (p = paths(index)));
    return p[step]!;
  };
}

/**
 * (a) The floor: no project code. Load the snapshot row, resolve it, XState's pure `transition()`,
 * then in the same IMMEDIATE transaction the same two writes the engine makes: the office row
 * (stage, leaf states, snapshot, entered-at of its active nodes, machine version, version + 1,
 * updated_at) and one history row.
 */
export function openFloor(file: string, sync: Synchronous): Applier {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.pragma('foreign_keys = ON');
  // The same connection settings as storage/db.ts: the floor differs from the engine in code only.
  db.pragma('temp_store = MEMORY');
  const load = db.prepare<[string], FloorRow>('SELECT snapshot, states, entered_at, version FROM offices WHERE id = ?');
  const update = db.prepare(`UPDATE offices SET stage = ?, states = ?, snapshot = ?, entered_at = ?, machine_version = ?, version = ?,
    updated_at = ? WHERE id = ? AND version = ?`);
  const insert = db.prepare(
    'INSERT INTO history (office_id, seq, type, payload, from_states, to_states, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const apply = db.transaction((id: string, event: OfficeEvent) => {
    const row = load.get(id)!;
    const stored = JSON.parse(row.snapshot) as { value: StateValue; context: OfficeContext };
    const before = officeMachine.resolveState({ value: stored.value, context: stored.context });
    const [after] = transition(officeMachine, before, event);
    if (after === before) throw new Error(`${id} cannot take ${event.type}`);
    const states = JSON.stringify(nodes(after.value, true));
    const stage = typeof after.value === 'string' ? after.value : Object.keys(after.value)[0]!;
    const snapshot = JSON.stringify({
      value: after.value,
      context: after.context,
      status: after.status === 'done' ? 'done' : 'active',
    });
    const at = new Date().toISOString();
    const wasIn = JSON.parse(row.entered_at) as Record<string, string>;
    const enteredAt = JSON.stringify(Object.fromEntries(nodes(after.value, false).map((path) => [path, wasIn[path] ?? at])));
    const version = row.version + 1;
    if (update.run(stage, states, snapshot, enteredAt, OFFICE_MACHINE_VERSION, version, at, id, row.version).changes !== 1) {
      throw new Error('conflict');
    }
    const { type, ...payload } = event;
    insert.run(id, version, type, JSON.stringify(payload), row.states, states, 'bench', at);
  });
  const eventOf = pathCache(happyPath);
  return {
    apply: (index, step) => apply.immediate(benchOfficeId(index), eventOf(index, step)),
    close: () => {
      db.close();
    },
  };
}

/** (b) `engine.apply` in-process, through the composition root (with every feature's hooks). */
export async function openEngine(file: string, sync: Synchronous): Promise<Applier> {
  const runtime = await openBenchRuntime(file, sync);
  const eventOf = pathCache(happyPath);
  return {
    apply: async (index, step) => {
      await runtime.engine.apply(benchOfficeId(index), eventOf(index, step), { actor: 'bench' });
    },
    close: () => runtime.close(),
  };
}

/**
 * (b0) The core engine alone: the same store and `Engine` as the runtime, without the features'
 * hooks (reminder clocks and timers, programme records, live stream) — what the engine itself costs.
 */
export function openCoreEngine(file: string, sync: Synchronous): Applier {
  const db = openDatabase(file, { synchronous: sync });
  migrate(db);
  const engine = new Engine({ store: createOfficeStore(db) });
  const eventOf = pathCache(happyPath);
  return {
    apply: async (index, step) => {
      await engine.apply(benchOfficeId(index), eventOf(index, step), { actor: 'bench' });
    },
    close: () => {
      db.close();
    },
  };
}
