/**
 * A child process that hosts one variant (floor, engine or peer) on its own database file, so each
 * has its own heap and RSS, and the parent can interleave them block by block. Started by
 * `forkRunner()` in runners.ts; speaks over the IPC channel.
 */
import { procMemory } from './lib';
import { openPeer } from './peer-model';
import type { Synchronous } from './result';
import { openCoreEngine, openEngine, openFloor, type Applier, type VariantKind } from './variants';

export type WorkerRequest =
  | { op: 'open'; kind: VariantKind; file: string; sync: Synchronous }
  | { op: 'run'; indices: number[]; steps: number[] }
  | { op: 'memory' }
  | { op: 'close' };

export type WorkerReply = { ok: true; ms?: number; events?: number; rss?: number; peak?: number } | { ok: false; error: string };

let applier: Applier | undefined;

async function handle(msg: WorkerRequest): Promise<WorkerReply> {
  switch (msg.op) {
    case 'open':
      applier = await { floor: openFloor, core: openCoreEngine, engine: openEngine, peer: openPeer }[msg.kind](msg.file, msg.sync);
      return { ok: true };
    case 'run': {
      if (!applier) throw new Error('not open');
      let events = 0;
      const t = performance.now();
      for (const step of msg.steps) {
        for (const index of msg.indices) {
          const pending = applier.apply(index, step);
          if (pending) await pending;
          events++;
        }
      }
      return { ok: true, ms: performance.now() - t, events };
    }
    case 'memory':
      return { ok: true, ...procMemory(process.pid) };
    case 'close':
      await applier?.close();
      applier = undefined;
      return { ok: true };
  }
}

process.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
