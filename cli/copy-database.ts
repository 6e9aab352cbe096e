import type { Command } from 'commander';
import { verify } from '../engine/verify';
import { copySqliteFileToPostgres } from '../storage/copy-database';
import { DEFAULT_SQLITE_FILE } from '../storage/backend';
import { postgresSettings } from '../storage/postgres/config';

/**
 * `copy-database`: the way from the embedded SQLite file to PostgreSQL. Every table in one
 * transaction, then `verify` on the copy; the SQLite file is left as it was.
 */
export function registerCopyDatabaseCommand(program: Command): void {
  program
    .command('copy-database')
    .description('Copy an SQLite database into an empty PostgreSQL database (every table, one transaction), then verify the copy.')
    .option('--from <file>', 'the SQLite file', process.env.DATABASE_PATH || DEFAULT_SQLITE_FILE)
    .requiredOption('--to <url>', 'the PostgreSQL database, postgres://user@host:5432/db (migrated first if need be)')
    .action(async (opts: { from: string; to: string }) => {
      // The same checks as DATABASE_URL's, whose errors never print the password.
      const { url } = postgresSettings({ DATABASE_URL: opts.to });
      const { report, target, close } = await copySqliteFileToPostgres(opts.from, url);
      try {
        for (const t of report.tables) console.log(`  ${t.table.padEnd(28)} ${t.rows}`);
        const rows = report.tables.reduce((n, t) => n + t.rows, 0);
        console.log(`Copied ${rows} rows of ${report.tables.length} tables from ${opts.from}.`);
        const check = await verify(target);
        console.log(`Verified ${check.offices} offices, ${check.events} events on PostgreSQL: ${check.differences.length} difference(s).`);
        for (const d of check.differences) console.log(`  ${d.officeId}: ${d.problem}`);
        if (check.differences.length > 0) process.exitCode = 1;
      } finally {
        await close();
      }
    });
}
