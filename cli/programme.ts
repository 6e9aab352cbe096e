import fs from 'node:fs';
import type { Command } from 'commander';
import type { Runtime } from '../app/runtime';
import { broadcastView, listBroadcasts, runBroadcast, type BroadcastView } from '../programme/broadcast';
import { previewLetters, selectionSchema, sendLetters } from '../programme/bulk-letters';
import { importOfficesCsv } from '../programme/csv-import';
import { declareHold, listGoldDisks, recallGoldDisk, releaseGoldDisk } from '../programme/gold-disk';
import { renderReportHtml } from '../programme/report/html';
import { renderMarkdown } from '../programme/report/markdown';
import { computeProgressReport } from '../programme/report/progress';
import {
  cancelWorkshop,
  createWorkshop,
  enrol,
  enrollableFocalPoints,
  getWorkshop,
  listWorkshops,
  newWorkshopSchema,
  recordAttendance,
} from '../programme/workshops';
import { EngineError } from '../engine/errors';

type Open = () => Promise<Runtime>;

const ids = (value: string) =>
  value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new EngineError('invalid_input', `"${v}" is not a focal point id.`);
      return n;
    });

function printBroadcast(b: BroadcastView, json?: boolean): void {
  if (json) return void console.log(JSON.stringify(b, null, 2));
  console.log(`${b.description}`);
  console.log(`Broadcast ${b.id}: ${b.counts.done} done, ${b.counts.skipped} skipped, ${b.counts.failed} failed, ${b.counts.pending} pending.`);
  for (const o of b.offices) console.log(`  ${o.status.padEnd(8)} ${o.officeId.padEnd(16)} ${o.name ?? ''}${o.message ? ` — ${o.message}` : ''}`);
  if (b.counts.pending > 0) console.log(`Resume with: broadcasts resume ${b.id}`);
}

/** Commands for running the programme: workshops, Gold Disk, circular letters, the report, CSV import. */
export function registerProgrammeCommands(program: Command, open: Open): void {
  const withRuntime = async <T>(work: (runtime: Runtime) => T | Promise<T>): Promise<T> => {
    const runtime = await open();
    try {
      return await work(runtime);
    } finally {
      runtime.close();
    }
  };

  // --- workshops
  const workshops = program.command('workshops').description('Training workshops: list, plan, enrol, record attendance, cancel.');
  workshops
    .command('list', { isDefault: true })
    .description('List workshops with the places taken.')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await withRuntime((rt) => listWorkshops(rt));
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return console.log('No workshops.');
      for (const w of list) {
        console.log(`${w.id.padEnd(14)} ${w.start} – ${w.end}  ${w.status.padEnd(9)} ${String(w.enrolled).padStart(3)}/${w.capacity}  ${w.title}, ${w.city} (${w.country})`);
      }
    });
  workshops
    .command('show')
    .description('One workshop with its enrolments.')
    .argument('<id>')
    .action(async (id: string) => console.log(JSON.stringify(await withRuntime((rt) => getWorkshop(rt, id)), null, 2)));
  workshops
    .command('create')
    .description('Plan a workshop.')
    .requiredOption('--title <title>')
    .requiredOption('--city <city>')
    .requiredOption('--country <code>', 'ISO 3166-1 alpha-2')
    .requiredOption('--start <date>', 'YYYY-MM-DD')
    .requiredOption('--end <date>', 'YYYY-MM-DD')
    .requiredOption('--capacity <n>')
    .option('--id <id>')
    .action(async (opts: Record<string, string>) => {
      const parsed = newWorkshopSchema.safeParse(opts);
      if (!parsed.success) throw new EngineError('invalid_input', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const w = await withRuntime((rt) => createWorkshop(rt, parsed.data));
      console.log(`Workshop ${w.id} planned: ${w.title}, ${w.city}, ${w.start} – ${w.end}, ${w.capacity} places.`);
    });
  workshops
    .command('candidates')
    .description('Focal points that can be enrolled now.')
    .action(async () => {
      const list = await withRuntime((rt) => enrollableFocalPoints(rt));
      for (const f of list) console.log(`${String(f.id).padStart(6)}  ${f.officeId.padEnd(14)} ${f.name} <${f.email}> (${f.status})`);
      console.log(`${list.length} focal point(s).`);
    });
  workshops
    .command('enrol')
    .description('Enrol focal points (ids from `workshops candidates`) in a workshop, in one transaction.')
    .argument('<workshop>')
    .argument('<focalPointIds>', 'comma-separated ids')
    .option('--actor <name>', 'recorded in the history', 'cli')
    .action(async (workshop: string, list: string, opts: { actor: string }) => {
      const outcomes = await withRuntime((rt) => enrol(rt, workshop, ids(list), { actor: opts.actor }));
      for (const o of outcomes) console.log(`  ${o.officeId}: ENROLLED ${o.focalPoints.join(', ')}`);
    });
  workshops
    .command('attendance')
    .description('Record attendance: offices whose focal point attended are trained, the others NO_SHOW (one transaction).')
    .argument('<workshop>')
    .argument('[attendedIds]', 'comma-separated focal point ids who attended', '')
    .option('--actor <name>', 'recorded in the history', 'cli')
    .action(async (workshop: string, list: string, opts: { actor: string }) => {
      const result = await withRuntime((rt) => recordAttendance(rt, workshop, list ? ids(list) : [], { actor: opts.actor }));
      for (const o of result.offices) console.log(`  ${o.officeId}: ${o.event ?? `skipped (${o.message})`} ${o.focalPoints.join(', ')}`);
      console.log(`Workshop ${workshop} is now held.`);
    });
  workshops
    .command('cancel')
    .description('Cancel a planned workshop; its focal points wait for another one.')
    .argument('<workshop>')
    .option('--actor <name>', 'recorded in the history', 'cli')
    .action(async (workshop: string, opts: { actor: string }) => {
      const result = await withRuntime((rt) => cancelWorkshop(rt, workshop, { actor: opts.actor }));
      console.log(`Workshop ${workshop} cancelled; ${result.offices.filter((o) => o.event).length} office(s) back to waiting for a workshop.`);
    });

  // --- Gold Disk
  const goldDisk = program.command('gold-disk').description('Gold Disk versions: list, release, recall, hold deployment.');
  goldDisk
    .command('list', { isDefault: true })
    .description('Versions, the current one and the kits shipped with each.')
    .action(async () => {
      const info = await withRuntime((rt) => listGoldDisks(rt));
      console.log(`Current: ${info.current ?? 'none'}; ${info.onHold} office(s) on hold.`);
      for (const v of info.versions) {
        console.log(`  ${v.version.padEnd(10)} ${v.status.padEnd(10)} released ${v.releasedAt.slice(0, 10)}  ${v.kitsShipped} kit(s)${v.recallReason ? `  recalled: ${v.recallReason}` : ''}`);
      }
    });
  goldDisk
    .command('release')
    .description('Release a version: GOLD_DISK_RELEASED to every office on hold, office by office.')
    .argument('<version>')
    .option('--notes <text>', 'release notes', '')
    .option('--actor <name>', 'recorded in the history', 'cli')
    .option('--json', 'print JSON')
    .action(async (version: string, opts: { notes: string; actor: string; json?: boolean }) => {
      const result = await withRuntime((rt) => releaseGoldDisk(rt, { version, notes: opts.notes }, { actor: opts.actor }));
      printBroadcast(result.broadcast, opts.json);
    });
  goldDisk
    .command('recall')
    .description('Recall a version: DEPLOYMENT_HELD to every office awaiting or receiving a kit.')
    .argument('<version>')
    .requiredOption('--reason <text>')
    .option('--actor <name>', 'recorded in the history', 'cli')
    .option('--json', 'print JSON')
    .action(async (version: string, opts: { reason: string; actor: string; json?: boolean }) => {
      const result = await withRuntime((rt) => recallGoldDisk(rt, { version, reason: opts.reason }, { actor: opts.actor }));
      printBroadcast(result.broadcast, opts.json);
    });
  goldDisk
    .command('hold')
    .description('Hold deployment without a recall: DEPLOYMENT_HELD to every office awaiting or receiving a kit.')
    .requiredOption('--reason <text>')
    .option('--actor <name>', 'recorded in the history', 'cli')
    .option('--json', 'print JSON')
    .action(async (opts: { reason: string; actor: string; json?: boolean }) => {
      printBroadcast(await withRuntime((rt) => declareHold(rt, { reason: opts.reason }, { actor: opts.actor })), opts.json);
    });

  const broadcasts = program.command('broadcasts').description('Broadcasts (holds, releases, letters): list, show, resume after a crash.');
  broadcasts
    .command('list', { isDefault: true })
    .description('Newest first, with counts.')
    .action(async () => {
      for (const b of await withRuntime((rt) => listBroadcasts(rt))) {
        console.log(`${b.id}  ${b.createdAt.slice(0, 16)}  ${b.finishedAt ? 'finished' : 'UNFINISHED'}  done ${b.counts.done}, skipped ${b.counts.skipped}, failed ${b.counts.failed}, pending ${b.counts.pending}  ${b.description}`);
      }
    });
  broadcasts
    .command('show')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => printBroadcast(await withRuntime((rt) => broadcastView(rt, id)), opts.json));
  broadcasts
    .command('resume')
    .description('Finish the pending offices of a broadcast; offices already done are not repeated.')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => printBroadcast(await withRuntime((rt) => runBroadcast(rt, id)), opts.json));

  // --- circular letters
  program
    .command('send-letters')
    .description('Send the circular letter (SEND_CIRCULAR) to a selection of offices; --dry-run shows who would get it.')
    .option('--state <path>', 'offices in this state, e.g. prospect')
    .option('--country <codes>', 'comma-separated ISO country codes')
    .option('--region <region>', 'Africa, Americas, Asia, Europe or Oceania')
    .option('--track <track>', 'kit or internet')
    .option('--ids <ids>', 'comma-separated office ids')
    .option('--letter-ref <ref>', 'reference of the letter, recorded with each event')
    .option('--dry-run', 'only show the offices the letter would reach')
    .option('--actor <name>', 'recorded in the history', 'cli')
    .option('--json', 'print JSON')
    .action(async (opts: { state?: string; country?: string; region?: string; track?: string; ids?: string; letterRef?: string; dryRun?: boolean; actor: string; json?: boolean }) => {
      const parsed = selectionSchema.safeParse({ state: opts.state, country: opts.country, region: opts.region, track: opts.track, ids: opts.ids });
      if (!parsed.success) throw new EngineError('invalid_input', parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
      await withRuntime(async (rt) => {
        const preview = await previewLetters(rt, parsed.data);
        if (opts.dryRun) {
          if (opts.json) return console.log(JSON.stringify(preview, null, 2));
          console.log(`${preview.count} office(s) would receive the circular letter:`);
          for (const o of preview.offices) console.log(`  ${o.id.padEnd(16)} ${o.country}  ${o.name}`);
          if (preview.notEligible.length > 0) console.log(`${preview.notEligible.length} selected office(s) cannot receive it now (already invited or further).`);
          if (preview.unknownIds.length > 0) console.log(`Unknown ids: ${preview.unknownIds.join(', ')}`);
          return;
        }
        printBroadcast(await sendLetters(rt, { selection: parsed.data, letterRef: opts.letterRef, expectedCount: preview.count }, { actor: opts.actor }), opts.json);
      });
    });

  // --- report
  program
    .command('report')
    .description('The progress report, computed from the history as of the end of the period (default: last complete quarter).')
    .option('--from <date>', 'first day, YYYY-MM-DD')
    .option('--to <date>', 'last day, YYYY-MM-DD')
    .option('--format <format>', 'json, md or html', 'md')
    .option('--out <file>', 'write to this file instead of the terminal')
    .action(async (opts: { from?: string; to?: string; format: string; out?: string }) => {
      if (!['json', 'md', 'html'].includes(opts.format)) throw new EngineError('invalid_input', '--format must be json, md or html.');
      const text = await withRuntime(async (rt) => {
        const report = await computeProgressReport(rt.storage, rt.engine.clock.now(), { from: opts.from, to: opts.to, policies: rt.reminders.policies });
        if (opts.format === 'json') return JSON.stringify(report, null, 2) + '\n';
        return opts.format === 'html' ? renderReportHtml(report) : renderMarkdown(report);
      });
      if (opts.out) {
        fs.writeFileSync(opts.out, text);
        console.log(`Report written to ${opts.out}.`);
      } else process.stdout.write(text);
    });

  // --- CSV import
  program
    .command('import-offices')
    .description('Import offices from CSV (id, name, country, city, language, contact name, contact email): new ids are registered, existing ones updated.')
    .argument('<file>', 'CSV file with a header row')
    .option('--dry-run', 'check the file and show what would change, without writing')
    .option('--actor <name>', 'recorded in the history', 'cli:import-offices')
    .action(async (file: string, opts: { dryRun?: boolean; actor: string }) => {
      const text = fs.readFileSync(file, 'utf8');
      const result = await withRuntime((rt) => importOfficesCsv(rt, text, { actor: opts.actor, dryRun: opts.dryRun }));
      for (const o of result.offices) if (o.action !== 'unchanged') console.log(`  line ${o.line}: ${o.id} ${o.action}${o.changes.length ? ` (${o.changes.join(', ')})` : ''}`);
      console.log(`${opts.dryRun ? 'Would create' : 'Created'} ${result.created}, ${opts.dryRun ? 'update' : 'updated'} ${result.updated}, ${result.unchanged} unchanged.`);
    });
}
