/**
 * `npx tsx bench/server-ab.ts [--offices N] [--clients N] A.json B.json`: two servers, each on its
 * own copy of one database of registered offices and with its own extra environment (a JSON
 * object, e.g. '{"NODE_OPTIONS":"--max-semi-space-size=32"}'), take the happy path over HTTP in
 * alternating blocks of 250 offices, with the engine benchmark's HTTP runner. Prints each one's
 * events/s and B/A. Interleaving makes the machine's drift hit both alike: two identical servers
 * have come out up to 7% apart, where separate runs of one server differ by 20% or more.
 */
import path from 'node:path';
import { copyDb, happyPath, makeRegisteredDb, removeDb } from './lib';
import { httpRunner } from './runners';

function parse(argv: string[]): { offices: number; clients: number; envs: Record<string, string>[] } {
  let offices = 2000;
  let clients = 8;
  const envs: Record<string, string>[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--offices') offices = Number(argv[++i]);
    else if (arg === '--clients') clients = Number(argv[++i]);
    else envs.push(JSON.parse(arg) as Record<string, string>);
  }
  if (envs.length !== 2 || !(offices > 0) || !(clients > 0)) {
    console.error('usage: npx tsx bench/server-ab.ts [--offices N] [--clients N] A.json B.json');
    process.exit(2);
  }
  return { offices, clients, envs };
}

async function main(): Promise<void> {
  const { offices, clients, envs } = parse(process.argv.slice(2));
  const dir = path.resolve('data', 'bench');
  const base = path.join(dir, `ab-base-${offices}.db`);
  await makeRegisteredDb(base, offices, 'NORMAL');
  const runners = [];
  for (const [k, env] of envs.entries()) {
    const file = path.join(dir, `ab-${k}.db`);
    copyDb(base, file);
    runners.push({ file, runner: await httpRunner(`ab-${k}`, file, 'FULL', clients, env), ms: 0 });
  }
  const steps = happyPath(0).map((_, step) => step);
  try {
    for (let first = 0, k = 0; first < offices; first += 250, k++) {
      const indices = Array.from({ length: Math.min(250, offices - first) }, (_, i) => first + i);
      for (const r of k % 2 ? [...runners].reverse() : runners) r.ms += await r.runner.run(indices, steps);
    }
    const rate = (ms: number) => Math.round((steps.length * offices) / (ms / 1000));
    const [a, b] = runners as [(typeof runners)[0], (typeof runners)[0]];
    console.log(`A ${JSON.stringify(envs[0])}: ${rate(a.ms)} events/s`);
    console.log(`B ${JSON.stringify(envs[1])}: ${rate(b.ms)} events/s`);
    console.log(`B/A ${(a.ms / b.ms).toFixed(3)}`);
  } finally {
    for (const r of runners) {
      await r.runner.close();
      removeDb(r.file);
    }
    removeDb(base);
  }
}

void main();
