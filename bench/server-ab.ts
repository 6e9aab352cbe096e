/**
 * `npx tsx bench/server-ab.ts [--offices N] [--clients N] A.json B.json`: two servers, each on its
 * own copy of one database of registered offices and with its own extra environment (a JSON
 * object, e.g. '{"NODE_OPTIONS":"--max-semi-space-size=32"}'), take the happy path over HTTP in
 * alternating blocks of 250 offices. Prints each one's events/s and B/A. Interleaving makes the
 * machine's drift hit both alike: two identical servers come out within about 3% of each other,
 * where separate runs of one server differ by 20% or more.
 */
import path from 'node:path';
import { benchOfficeId, copyDb, happyPath, httpAgent, makeRegisteredDb, removeDb, request, startServer } from './lib';

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
  makeRegisteredDb(base, offices, 'NORMAL');
  const servers = [];
  for (const [k, env] of envs.entries()) {
    const file = path.join(dir, `ab-${k}.db`);
    copyDb(base, file);
    servers.push({ file, server: await startServer(file, 'FULL', env), ms: 0 });
  }
  const block = async (port: number, indices: number[]) => {
    const agent = httpAgent(clients);
    const started = performance.now();
    const shares = Array.from({ length: clients }, (_, c) => indices.filter((_, k) => k % clients === c));
    await Promise.all(
      shares.map(async (share) => {
        for (let step = 0; step < 11; step++) {
          for (const i of share) {
            const res = await request(agent, port, 'POST', `/api/offices/${benchOfficeId(i)}/events`, happyPath(i)[step]);
            if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body}`);
          }
        }
      }),
    );
    agent.destroy();
    return performance.now() - started;
  };
  try {
    for (let first = 0, k = 0; first < offices; first += 250, k++) {
      const indices = Array.from({ length: Math.min(250, offices - first) }, (_, i) => first + i);
      for (const s of k % 2 ? [...servers].reverse() : servers) s.ms += await block(s.server.port, indices);
    }
    const rate = (ms: number) => Math.round((11 * offices) / (ms / 1000));
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    console.log(`A ${JSON.stringify(envs[0])}: ${rate(a.ms)} events/s`);
    console.log(`B ${JSON.stringify(envs[1])}: ${rate(b.ms)} events/s`);
    console.log(`B/A ${(a.ms / b.ms).toFixed(3)}`);
  } finally {
    for (const s of servers) {
      await s.server.stop();
      removeDb(s.file);
    }
    removeDb(base);
  }
}

void main();
