import fs from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '../config/env';
import { openRuntime, type Runtime, type RuntimeOptions } from '../app/runtime';
import { importJsonLines } from '../engine/import';
import { exportJsonLines } from '../programme/export';
import { officeStats } from '../engine/queries';
import { FIGURE_LABELS, FIGURE_NAMES } from '../engine/figures';
import { verify } from '../engine/verify';
import { EngineError } from '../engine/errors';
import { loadDemoData } from '../demo/load';
import { registerProgrammeCommands } from './programme';
import { registerAccountCommands } from './accounts';
import { registerSweepCommand } from './sweep';
import { createPrivateFile } from '../storage/private-files';
import { PG_DUMP_ADVICE } from '../storage/postgres/storage';
import { BackupUnsupported } from '../storage/storage';
import { warningOnEmails } from './public-url';
import { registerForecastBacktestCommand } from './forecast-backtest';
import { registerCopyDatabaseCommand } from './copy-database';

/**
 * Operator commands. They read the same configuration as the server and work on the same
 * database whether or not a server is running on it: the SQLite file (WAL with a busy timeout) or,
 * with DATABASE_URL, PostgreSQL. Only `backup` differs: PostgreSQL is backed up with pg_dump.
 */
export function buildCli(openRuntimeOf: (opts?: RuntimeOptions) => Promise<Runtime>): Command {
  const open = warningOnEmails(openRuntimeOf);
  const program = new Command('office-onboarding')
    .description('Operator commands for the office-onboarding engine (DATABASE_URL selects PostgreSQL, else DATABASE_PATH the SQLite file).')
    .showHelpAfterError();

  const withRuntime = async <T>(work: (runtime: Runtime) => T | Promise<T>, opts?: { skipCompatibilityCheck?: boolean }): Promise<T> => {
    const runtime = await open(opts);
    try {
      return await work(runtime);
    } finally {
      runtime.close();
    }
  };

  program
    .command('import')
    .description('Import a JSON Lines file of offices and events in one transaction; a bad line imports nothing.')
    .argument('<file>', 'JSON Lines file')
    .option('--actor <name>', 'recorded as the actor of every imported row', 'cli:import')
    .action(async (file: string, opts: { actor: string }) => {
      const text = fs.readFileSync(file, 'utf8');
      const result = await withRuntime(async (rt) => {
        const imported = await importJsonLines(rt.engine, text, opts.actor, rt.importKinds);
        await rt.accounts.audit(rt.engine.clock.now().toISOString(), opts.actor, 'import', file, { ...imported });
        return imported;
      });
      console.log(`Imported ${result.offices} offices, ${result.events} events, ${result.other} other lines.`);
    });

  program
    .command('export')
    .description('Write every workshop, office and event as JSON Lines in the import format, in history order (one consistent snapshot).')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: { out?: string }) => {
      await withRuntime(async (rt) => {
        const fd = opts.out ? fs.openSync(opts.out, 'w') : 1;
        try {
          // One snapshot: a server writing meanwhile is not half seen, and is not held up.
          for await (const line of exportJsonLines(rt.storage.exports)) fs.writeSync(fd, line + '\n');
        } finally {
          if (opts.out) fs.closeSync(fd);
        }
        await rt.accounts.audit(rt.engine.clock.now().toISOString(), 'cli', 'export', opts.out ?? 'stdout');
      });
    });

  program
    .command('verify')
    .description('Replay every office history through the machine and compare with the stored snapshots.')
    .action(async () => {
      const report = await withRuntime((rt) => verify(rt.store), { skipCompatibilityCheck: true });
      console.log(`Verified ${report.offices} offices, ${report.events} events: ${report.differences.length} difference(s).`);
      for (const d of report.differences) console.log(`  ${d.officeId}: ${d.problem}`);
      if (report.differences.length > 0) process.exitCode = 1;
    });

  program
    .command('backup')
    .description("Write a consistent copy of the database with SQLite's online backup (safe while the server runs); on PostgreSQL, says how to use pg_dump.")
    .argument('<file>', 'destination file (refused if it exists, unless --force)')
    .option('--force', 'overwrite the destination file if it exists')
    .action(async (file: string, opts: { force?: boolean }) => {
      const runtime = await open();
      try {
        // First, so that on PostgreSQL no answer about the file suggests that a file would be written.
        if (runtime.storage.backend === 'postgres') {
          throw new BackupUnsupported(`The database is PostgreSQL (DATABASE_URL): backup copies an SQLite file only, and wrote nothing. ${PG_DUMP_ADVICE}`);
        }
        if (!opts.force && fs.existsSync(file)) {
          throw new EngineError('conflict', `${file} exists; choose another file or add --force to overwrite it.`);
        }
        if (fs.existsSync(file)) {
          // --force must never delete the database being copied (or its WAL) from under the server.
          const live = fs.realpathSync(runtime.config.DATABASE_PATH);
          const target = fs.realpathSync(file);
          if ([live, `${live}-wal`, `${live}-shm`].includes(target)) {
            throw new EngineError('invalid_input', `${file} is the database itself; back it up to another file.`);
          }
        }
        // The copy holds the same secrets as the database: a new file, readable by its owner only.
        fs.rmSync(file, { force: true });
        createPrivateFile(file);
        await runtime.storage.backup(file);
        await runtime.accounts.audit(runtime.engine.clock.now().toISOString(), 'cli', 'backup', file);
        console.log(`Backup written to ${file}.`);
      } finally {
        runtime.close();
      }
    });

  program
    .command('stats')
    .description('Headline figures, then office counts per stage and per state in lifecycle order.')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const stats = await withRuntime((rt) => officeStats(rt.store, rt.storage.figures, rt.engine.clock.now()));
      if (opts.json) return console.log(JSON.stringify(stats, null, 2));
      console.log(`${stats.total} offices`);
      for (const name of FIGURE_NAMES) console.log(`  ${FIGURE_LABELS[name].padEnd(32)} ${stats.figures[name]}`);
      console.log('By stage:');
      for (const [stage, n] of Object.entries(stats.byStage)) console.log(`  ${stage.padEnd(24)} ${n}`);
      console.log('By state:');
      for (const [state, n] of Object.entries(stats.byState)) console.log(`  ${state.padEnd(40)} ${n}`);
    });

  program
    .command('demo')
    .description('Load the demo programme (~180 offices in ~110 countries) into an empty database.')
    .action(async () => {
      const loaded = await withRuntime((rt) => loadDemoData(rt));
      console.log(loaded ? `Loaded ${loaded.offices} offices and ${loaded.events} events.` : 'The database is not empty: nothing loaded.');
    });

  registerProgrammeCommands(program, open);
  registerAccountCommands(program, open);
  registerSweepCommand(program, open);
  registerForecastBacktestCommand(program, open);
  registerCopyDatabaseCommand(program);

  return program;
}

if (require.main === module) {
  const config = loadConfig();
  void buildCli(async (opts) => await openRuntime(config, opts))
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      if (error instanceof EngineError) console.error(`${error.code}: ${error.message}`);
      else console.error(error instanceof Error ? error.message : error);
      process.exitCode = error instanceof BackupUnsupported ? 1 : 2;
    });
}
