import type { Command } from 'commander';
import type { Runtime, RuntimeOptions } from '../app/runtime';
import { fixedClock } from '../engine/clock';

/**
 * `sweep --at ISO`: one scheduler pass then one delivery pass as if it were that time (business
 * hours included), then exit. Safe beside a running server on the same file: timers and messages
 * are claimed in write transactions, so each fires and goes out once.
 */
export function registerSweepCommand(program: Command, open: (opts?: RuntimeOptions) => Runtime): void {
  program
    .command('sweep')
    .description('Run one reminder scheduler pass and one email delivery pass as if it were --at, then exit.')
    .option('--at <iso>', 'ISO-8601 date-time to act as "now" (default: the current time)')
    .option('--json', 'print JSON')
    .action(async (opts: { at?: string; json?: boolean }) => {
      const at = opts.at ? new Date(opts.at) : new Date();
      if (Number.isNaN(at.getTime()) || (opts.at && !/^\d{4}-\d{2}-\d{2}/.test(opts.at))) {
        throw new Error(`--at must be an ISO-8601 date-time, e.g. 2026-03-02T09:00:00Z (got ${JSON.stringify(opts.at)})`);
      }
      const runtime = open({ clock: fixedClock(at) });
      try {
        const result = await runtime.reminders.sweep(at);
        if (opts.json) {
          console.log(JSON.stringify({ at: at.toISOString(), ...result }));
          return;
        }
        const s = result.scheduler;
        const d = result.delivery;
        console.log(
          `Sweep at ${at.toISOString()}: ${s.fired} timer(s) fired (${s.reminders} reminder(s), ${s.escalations} escalation(s)), ` +
            `${s.resumed} pause(s) ended; ${d.sent} email(s) sent, ${d.retried} to retry, ${d.failed} failed ` +
            `(${runtime.reminders.transport.description}).`,
        );
      } finally {
        runtime.close();
      }
    });
}
