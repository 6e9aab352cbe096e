/**
 * `npm run bench [-- flags]`: runs every `bench/*.bench.ts` module (each exports
 * `run(args: BenchArgs): Promise<BenchResult[]>`), prints one table and optionally writes JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchArgs, BenchResult, Synchronous } from './result';

const HELP = `Usage: npm run bench -- [options]

Runs every bench/*.bench.ts module and prints one table of results.

Options:
  --only NAME[,NAME]  run only these modules (file name without .bench.ts: engine, peer, scale, …)
  --peer              the peer benchmark only: bpmn-engine against our engine and the floor
                      (same as --only peer)
  --scale             the scale benchmark only, at 100,000 offices (same as --only scale
                      --scale-offices 100000)
  --all               every module, with the peer benchmark and the 100,000-office scale run
  --offices N         offices for the engine benchmark, each setting (default 10000)
  --peer-offices N    offices for the peer benchmark (default 300; bpmn-engine is slow)
  --scale-offices N   offices for the scale benchmark (default 10000, 100000 with --scale)
  --sync FULL|NORMAL  synchronous setting(s) to measure, comma-separated (default FULL,NORMAL)
  --clients N         concurrent HTTP clients (default 8)
  --json FILE         also write the results as JSON
  --dir DIR           scratch folder for database files (default data/bench)
  --keep              keep the scratch databases
  --quiet             no progress lines
  -h, --help          this help

Modules may read further flags of their own from args.rest.`;

/** Modules that run only when asked for: they are slow or need the big data set. */
const OPT_IN = new Set(['peer', 'postgres']);

function fail(message: string): never {
  console.error(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}

function parseArgs(argv: string[]): BenchArgs & { json?: string; all: boolean } {
  const args: BenchArgs & { json?: string; all: boolean } = {
    offices: 10_000,
    sync: ['FULL', 'NORMAL'],
    peer: false,
    peerOffices: 300,
    scale: false,
    scaleOffices: 0,
    clients: 8,
    dir: path.resolve('data', 'bench'),
    keep: false,
    only: [],
    log: (m) => console.error(m),
    rest: [],
    all: false,
  };
  const int = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!value || !Number.isInteger(n) || n < 1) fail(`${flag} needs a positive whole number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const next = () => argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        console.log(HELP);
        process.exit(0);
        break;
      case '--only':
        args.only.push(...(next() ?? fail('--only needs a module name')).split(',').filter(Boolean));
        break;
      case '--peer':
        args.peer = true;
        break;
      case '--scale':
        args.scale = true;
        break;
      case '--all':
        args.all = true;
        args.peer = true;
        args.scale = true;
        break;
      case '--offices':
        args.offices = int(flag, next());
        break;
      case '--peer-offices':
        args.peerOffices = int(flag, next());
        break;
      case '--scale-offices':
        args.scaleOffices = int(flag, next());
        break;
      case '--clients':
        args.clients = int(flag, next());
        break;
      case '--sync': {
        const list = (next() ?? '').toUpperCase().split(',').filter(Boolean);
        if (list.length === 0 || list.some((s) => s !== 'FULL' && s !== 'NORMAL')) fail('--sync takes FULL, NORMAL or FULL,NORMAL');
        args.sync = list as Synchronous[];
        break;
      }
      case '--json':
        args.json = next() ?? fail('--json needs a file');
        break;
      case '--dir':
        args.dir = path.resolve(next() ?? fail('--dir needs a folder'));
        break;
      case '--keep':
        args.keep = true;
        break;
      case '--quiet':
        args.log = () => {};
        break;
      default:
        args.rest.push(flag);
    }
  }
  if (args.scaleOffices === 0) args.scaleOffices = args.scale ? 100_000 : 10_000;
  return args;
}

function selectModules(all: string[], args: BenchArgs & { all: boolean }): string[] {
  if (args.only.length > 0) {
    const unknown = args.only.filter((m) => !all.includes(m));
    if (unknown.length) fail(`no module ${unknown.join(', ')} (have ${all.join(', ')})`);
    return all.filter((m) => args.only.includes(m));
  }
  if (args.all) return all;
  const picked = [...(args.peer ? ['peer'] : []), ...(args.scale ? ['scale'] : [])];
  if (picked.length) return all.filter((m) => picked.includes(m));
  return all.filter((m) => !OPT_IN.has(m));
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : String(value);
}

function printTable(rows: (BenchResult & { module: string })[]): void {
  const cells = rows.map((r) => [r.name, formatValue(r.value), r.unit, r.note ?? '']);
  const head = ['name', 'value', 'unit', 'note'];
  const widths = head.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells) console.log(line(row));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const available = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
  const modules = selectModules(available, args);
  fs.mkdirSync(args.dir, { recursive: true });

  const started = new Date();
  const all: (BenchResult & { module: string })[] = [];
  const failures: { module: string; error: string }[] = [];
  for (const name of modules) {
    args.log(`── ${name}`);
    const t = performance.now();
    try {
      const mod = (await import(path.join(__dirname, `${name}.bench.ts`))) as {
        run?: (a: BenchArgs) => Promise<BenchResult[]>;
      };
      if (typeof mod.run !== 'function') throw new Error('exports no run(args)');
      const results = await mod.run(args);
      for (const r of results) all.push({ ...r, module: name });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ module: name, error: message });
      args.log(`${name} failed: ${message}`);
    }
    args.log(`── ${name} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nBenchmarks, ${started.toISOString()} — ${machine}\n`);
  printTable(all);
  if (failures.length) console.log(`\nFailed: ${failures.map((f) => f.module).join(', ')}`);
  if (args.json) {
    fs.writeFileSync(
      args.json,
      JSON.stringify({ startedAt: started.toISOString(), machine, argv: process.argv.slice(2), results: all, failures }, null, 2) + '\n',
    );
    console.log(`\nwritten to ${args.json}`);
  }
  if (failures.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
