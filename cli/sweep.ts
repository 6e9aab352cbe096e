import type { Command } from 'commander';
import type { Runtime, RuntimeOptions } from '../app/runtime';
import { fixedClock } from '../engine/clock';
import { parseBoundedInstant } from '../engine/dates';
import { runSchedulerPass, type SchedulerPassResult } from '../reminders/scheduler';
import type { OutboxRow } from '../notifications/outbox';
import type { LogRow } from '../storage/reminder-store';
import { warnWithoutPublicUrl } from './public-url';

interface SweepReport {
  at: string;
  dryRun: boolean;
  scheduler: SchedulerPassResult;
  /** What the scheduler pass did (or would do): reminders, escalations, pauses ended. */
  changes: { office: string; type: string; state: string | null; level: number | null }[];
  /** The emails the delivery pass sent (or would send), with their status after it. */
  emails: { id: number; office: string | null; kind: string; to: string[]; subject: string; status: string }[];
  delivery: { sent: number; retried: number; failed: number } | null;
}

/** Thrown to roll the dry run's transaction back once it has looked at what it wrote. */
class DryRunDone extends Error {
  constructor(readonly report: SweepReport) {
    super('dry run');
  }
}

const changeOf = (l: LogRow) => ({ office: l.office_id, type: l.type, state: l.state, level: l.level });
const emailOf = (row: OutboxRow) => ({
  id: row.id,
  office: row.office_id,
  kind: row.kind,
  to: JSON.parse(row.recipients) as string[],
  subject: row.subject,
  status: row.status,
});

/**
 * `sweep --at ISO`: one scheduler pass then one delivery pass as if it were that time (business
 * hours included), then exit, printing what it did. Safe beside a running server on the same file:
 * timers and messages are claimed in write transactions, so each fires and goes out once.
 * `--dry-run` runs the scheduler pass in a transaction it rolls back and sends nothing, so what it
 * prints is exactly what the real pass would do at that moment.
 */
export function registerSweepCommand(program: Command, open: (opts?: RuntimeOptions) => Promise<Runtime>): void {
  program
    .command('sweep')
    .description('Run one reminder scheduler pass and one email delivery pass as if it were --at, then exit; prints what it did.')
    .option('--at <iso>', 'ISO-8601 date-time to act as "now", 1990-01-01 to 2100-12-31 (default: the current time)')
    .option('--dry-run', 'print what it would send and change, and change nothing')
    .option('--json', 'print JSON')
    .action(async (opts: { at?: string; json?: boolean; dryRun?: boolean }) => {
      const at = opts.at ? parseBoundedInstant(opts.at, '--at') : new Date();
      const runtime = await open({ clock: fixedClock(at) });
      try {
        const report = opts.dryRun ? await dryRun(runtime, at) : await sweep(runtime, at);
        // A real pass is checked when the runtime closes (cli/public-url.ts); a dry run writes nothing to check.
        if (report.dryRun && report.scheduler.fired > 0) warnWithoutPublicUrl(runtime.config);
        if (opts.json) console.log(JSON.stringify(report));
        else print(report, runtime.reminders.transport.description);
      } finally {
        runtime.close();
      }
    });
}

async function sweep(runtime: Runtime, at: Date): Promise<SweepReport> {
  const { engine, reminders: feature } = runtime;
  const before = await feature.store.lastLogId();
  const scheduler = await runSchedulerPass(engine, feature.reminders, at);
  const changes = (await feature.store.logSince(before)).map(changeOf);
  const due = await feature.outbox.due(at);
  const delivery = await feature.dispatcher.runPass(at);
  const emails: SweepReport['emails'] = [];
  for (const row of due) emails.push(emailOf((await feature.outbox.get(row.id)) ?? row));
  return { at: at.toISOString(), dryRun: false, scheduler, changes, emails, delivery };
}

async function dryRun(runtime: Runtime, at: Date): Promise<SweepReport> {
  const { engine, reminders: feature } = runtime;
  try {
    await engine.transact(async () => {
      const before = await feature.store.lastLogId();
      const scheduler = await runSchedulerPass(engine, feature.reminders, at);
      const changes = (await feature.store.logSince(before)).map(changeOf);
      const emails = (await feature.outbox.due(at)).map(emailOf);
      throw new DryRunDone({ at: at.toISOString(), dryRun: true, scheduler, changes, emails, delivery: null });
    });
  } catch (error) {
    if (error instanceof DryRunDone) return error.report;
    throw error;
  }
  throw new Error('unreachable: the dry run always rolls back');
}

function print(r: SweepReport, transport: string): void {
  const s = r.scheduler;
  const verb = r.dryRun ? 'would' : 'did';
  console.log(
    r.dryRun
      ? `Dry run of a sweep at ${r.at} (nothing changed, nothing sent): ${s.fired} timer(s) would fire (${s.reminders} reminder(s), ${s.escalations} escalation(s)), ` +
          `${s.resumed} pause(s) would end; ${r.emails.length} email(s) would be sent (${transport}).`
      : `Sweep at ${r.at}: ${s.fired} timer(s) fired (${s.reminders} reminder(s), ${s.escalations} escalation(s)), ` +
          `${s.resumed} pause(s) ended; ${r.delivery!.sent} email(s) sent, ${r.delivery!.retried} to retry, ${r.delivery!.failed} failed (${transport}).`,
  );
  if (r.changes.length > 0) console.log(`Changes it ${verb} make:`);
  for (const c of r.changes) {
    const where = c.state ? ` in ${c.state}${c.level !== null ? ` (level ${c.level})` : ''}` : '';
    console.log(`  ${c.office}: ${c.type}${where}`);
  }
  if (r.emails.length > 0) console.log(r.dryRun ? 'Emails it would send:' : 'Emails:');
  for (const e of r.emails) {
    const status = r.dryRun ? '' : `  [${e.status}]`;
    console.log(`  #${e.id} ${e.kind} to ${e.to.join(', ')}: ${e.subject}${e.office ? ` (${e.office})` : ''}${status}`);
  }
}
