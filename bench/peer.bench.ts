/**
 * Issue 7 §1: the same offices through the happy path in bpmn-engine (state recovered from SQLite
 * before each event and persisted after it, as a server handling separate requests must), in our
 * engine and in the floor, interleaved in one run. Opt-in: `npm run bench -- --peer`.
 */
import path from 'node:path';
import { allSteps, checkDone, range } from './engine.bench';
import { copyDb, HAPPY_PATH_LENGTH, makeRegisteredDb, removeDb, round, toMB } from './lib';
import { PEER_PATH_LENGTH, registerPeerInstances } from './peer-model';
import type { BenchArgs, BenchResult } from './result';
import { forkRunner, interleave, type Runner } from './runners';

const WARMUP = 20;
const BLOCK = 50;

export async function run(args: BenchArgs): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const n = args.peerOffices;
  const total = WARMUP + n;
  for (const sync of args.sync) {
    const template = path.join(args.dir, `peer-template-${sync}.db`);
    const files = {
      floor: path.join(args.dir, `peer-floor-${sync}.db`),
      engine: path.join(args.dir, `peer-engine-${sync}.db`),
      peer: path.join(args.dir, `peer-bpmn-${sync}.db`),
    };
    args.log(`peer ${sync}: registering ${total} offices and starting ${total} bpmn-engine instances…`);
    await makeRegisteredDb(template, total, sync);
    copyDb(template, files.floor);
    copyDb(template, files.engine);
    removeDb(files.peer);
    await registerPeerInstances(files.peer, sync, total);
    const runners: Runner[] = [];
    try {
      const floor = await forkRunner('floor', 'floor', files.floor, sync);
      const ours = await forkRunner('engine', 'engine', files.engine, sync);
      const peer = await forkRunner('bpmn-engine', 'peer', files.peer, sync);
      runners.push(floor, ours, peer);
      const plan = [
        { runner: floor, steps: allSteps(HAPPY_PATH_LENGTH) },
        { runner: ours, steps: allSteps(HAPPY_PATH_LENGTH) },
        { runner: peer, steps: allSteps(PEER_PATH_LENGTH) },
      ];
      await interleave(plan, range(0, WARMUP), WARMUP);
      args.log(`peer ${sync}: ${n} offices, interleaved in blocks of ${BLOCK}…`);
      const tally = await interleave(plan, range(WARMUP, n), BLOCK, args.log);
      const [floorMem, oursMem, peerMem] = await Promise.all(runners.map((r) => r.memory()));
      for (const r of runners.splice(0)) await r.close();
      checkDone(files.floor, total, total * HAPPY_PATH_LENGTH);
      checkDone(files.engine, total, total * HAPPY_PATH_LENGTH);

      const f = tally.get('floor')!;
      const o = tally.get('engine')!;
      const p = tally.get('bpmn-engine')!;
      const tag = `peer.${sync}`;
      results.push(
        { name: `${tag}.bpmn_engine`, value: round(p.eventsPerSec, 1), unit: 'events/s', note: `${n} offices × ${PEER_PATH_LENGTH} events; recover + resume + signal + getState + SQLite write per event` },
        { name: `${tag}.ours_engine_apply`, value: round(o.eventsPerSec), unit: 'events/s', note: `same ${n} offices × ${HAPPY_PATH_LENGTH} events; openRuntime engine.apply` },
        { name: `${tag}.floor`, value: round(f.eventsPerSec), unit: 'events/s', note: 'raw better-sqlite3 + transition()' },
        { name: `${tag}.ratio_ours_peer`, value: round(o.eventsPerSec / p.eventsPerSec, 1), unit: 'x', note: 'target >= 40' },
        { name: `${tag}.ratio_ours_floor`, value: round(o.eventsPerSec / f.eventsPerSec, 2), unit: 'x', note: 'target >= 0.8' },
        { name: `${tag}.bpmn_engine_peak_rss`, value: toMB(peerMem!.peak), unit: 'MB', note: 'peer worker, VmHWM' },
        { name: `${tag}.ours_peak_rss`, value: toMB(oursMem!.peak), unit: 'MB', note: 'engine worker, VmHWM' },
        { name: `${tag}.floor_peak_rss`, value: toMB(floorMem!.peak), unit: 'MB', note: 'floor worker, VmHWM' },
      );
    } finally {
      for (const r of runners) await r.close().catch(() => {});
      if (!args.keep) for (const file of [template, ...Object.values(files)]) removeDb(file);
    }
  }
  return results;
}
