/**
 * The peer: the office happy path as a BPMN 2.0 process run by `bpmn-engine`, persisted the way a
 * server handling separate requests must: each event loads the instance's state from SQLite,
 * recovers a new engine from it, resumes, signals the waiting user task, runs to the next wait
 * state, and writes the new state (`getState()` JSON) and one history row in one transaction.
 */
import Database from 'better-sqlite3';
import { Engine } from 'bpmn-engine';
import { EventEmitter } from 'node:events';
import type { Synchronous } from './result';
import type { Applier } from './variants';

/** Five user tasks in a row, with a decision after the reply: the same happy path, five events. */
export const PEER_PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             id="officeOnboardingDefinitions" targetNamespace="urn:office-onboarding:bench">
  <process id="officeOnboarding" name="Office onboarding" isExecutable="true">
    <startEvent id="registered" name="Office registered" />
    <userTask id="circular" name="Send the circular letter" />
    <userTask id="reply" name="Record the office's reply" />
    <exclusiveGateway id="replied" name="Affirmative?" default="toDeclined" />
    <userTask id="preparation" name="Site and focal point prepared" />
    <userTask id="installation" name="Kit installed" />
    <userTask id="handover" name="Handed over to IT operations" />
    <endEvent id="handedOver" name="Handed over" />
    <endEvent id="declined" name="Declined" />
    <sequenceFlow id="toCircular" sourceRef="registered" targetRef="circular" />
    <sequenceFlow id="toReply" sourceRef="circular" targetRef="reply" />
    <sequenceFlow id="toDecision" sourceRef="reply" targetRef="replied" />
    <sequenceFlow id="toPreparation" sourceRef="replied" targetRef="preparation">
      <conditionExpression xsi:type="tFormalExpression">\${environment.output.reply.affirmative}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="toDeclined" sourceRef="replied" targetRef="declined" />
    <sequenceFlow id="toInstallation" sourceRef="preparation" targetRef="installation" />
    <sequenceFlow id="toHandover" sourceRef="installation" targetRef="handover" />
    <sequenceFlow id="toEnd" sourceRef="handover" targetRef="handedOver" />
  </process>
</definitions>`;

/** The five signals of the happy path, in order: the user task each completes, with its form data. */
export const PEER_PATH: { task: string; type: string; payload: Record<string, unknown> }[] = [
  { task: 'circular', type: 'SEND_CIRCULAR', payload: { letterRef: 'C.9000' } },
  { task: 'reply', type: 'REPLY_AFFIRMATIVE', payload: { affirmative: true } },
  { task: 'preparation', type: 'PREPARED', payload: { focalPoint: 'focal@ipo.example.org' } },
  { task: 'installation', type: 'KIT_INSTALLED', payload: {} },
  { task: 'handover', type: 'HANDED_OVER', payload: {} },
];

export const PEER_PATH_LENGTH = PEER_PATH.length;

const peerId = (i: number) => `PEER-${String(i).padStart(6, '0')}`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS peer_instances (
  id TEXT PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS peer_history (
  instance_id TEXT NOT NULL REFERENCES peer_instances (id), seq INTEGER NOT NULL, type TEXT NOT NULL,
  payload TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (instance_id, seq)
) STRICT;`;

type BpmnState = Awaited<ReturnType<Engine['getState']>>;

interface ActivityApi {
  id: string;
  content: { output?: unknown };
  environment: { output: Record<string, unknown> };
}

/**
 * A listener for one request: keeps each completed task's output in the instance's environment (so
 * the gateway can read the reply and it is persisted with the state), and tells when the process
 * waits at a user task again or ends.
 */
function requestListener(engine: Engine): { listener: EventEmitter; settled: Promise<void> } {
  const listener = new EventEmitter();
  listener.on('activity.end', (api: ActivityApi) => {
    if (api.content.output !== undefined) api.environment.output[api.id] = api.content.output;
  });
  const settled = new Promise<void>((resolve, reject) => {
    listener.once('wait', () => resolve());
    engine.once('end', () => resolve());
    engine.once('error', (err: Error) => reject(err));
  });
  return { listener, settled };
}

function openPeerDb(file: string, sync: Synchronous): Database.Database {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  return db;
}

/** Starts one instance per office (set-up, not measured): each waits at its first user task. */
export async function registerPeerInstances(file: string, sync: Synchronous, count: number): Promise<void> {
  const db = openPeerDb(file, sync);
  const insert = db.prepare('INSERT INTO peer_instances (id, state, version, updated_at) VALUES (?, ?, 0, ?)');
  try {
    const rows: [string, string][] = [];
    for (let i = 0; i < count; i++) {
      const engine = new Engine({ name: peerId(i), source: PEER_PROCESS });
      const { listener, settled } = requestListener(engine);
      await engine.execute({ listener });
      await settled;
      rows.push([peerId(i), JSON.stringify(await engine.getState())]);
    }
    const at = new Date().toISOString();
    db.transaction(() => {
      for (const [id, state] of rows) insert.run(id, state, at);
    }).immediate();
  } finally {
    db.close();
  }
}

export function openPeer(file: string, sync: Synchronous): Applier {
  const db = openPeerDb(file, sync);
  const load = db.prepare<[string], { state: string; version: number }>('SELECT state, version FROM peer_instances WHERE id = ?');
  const update = db.prepare('UPDATE peer_instances SET state = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?');
  const insert = db.prepare('INSERT INTO peer_history (instance_id, seq, type, payload, at) VALUES (?, ?, ?, ?, ?)');
  const persist = db.transaction((id: string, state: string, version: number, type: string, payload: string) => {
    const at = new Date().toISOString();
    if (update.run(state, version + 1, at, id, version).changes !== 1) throw new Error('conflict');
    insert.run(id, version + 1, type, payload, at);
  });
  return {
    async apply(index, step) {
      const id = peerId(index);
      const signal = PEER_PATH[step]!;
      // A new request: nothing of the instance is in memory.
      const row = load.get(id);
      if (!row) throw new Error(`no peer instance ${id}`);
      const engine = new Engine({ name: id }).recover(JSON.parse(row.state) as BpmnState);
      const { listener, settled } = requestListener(engine);
      const execution = await engine.resume({ listener });
      const waiting = execution.getPostponed().find((api) => api.id === signal.task);
      if (!waiting) throw new Error(`${id} is not waiting at ${signal.task}`);
      execution.signal({ id: signal.task, ...signal.payload });
      await settled;
      const state = JSON.stringify(await engine.getState());
      persist.immediate(id, state, row.version, signal.type, JSON.stringify(signal.payload));
    },
    close: () => {
      db.close();
    },
  };
}
