/**
 * Soak: N minutes of mixed traffic against a real server child process, sampling its resident
 * memory (VmRSS from /proc/PID/status) every few seconds, then a verdict on growth.
 *
 *   npx tsx bench/soak.ts --minutes 10 [--sample-seconds 5] [--out soak.json]
 *
 * Traffic: 2 writer clients walking new offices along the happy path (If-Match), 2 reader clients
 * (office list pages, stats, single offices, histories, stuck list, outbox), offices left waiting
 * in `invited` whose coordinator reminders fire every few seconds through the server's own
 * scheduler and dispatcher to a loopback SMTP server, and a `cli sweep` every minute beside it.
 * Verdict: memory is bounded when the mean RSS of the last third is within 10% of the middle third.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { request } from '../tests-faults/helpers/http';
import { Load } from '../tests-faults/helpers/load';
import { rssKiB, runCli, sleep, startServer, tempDir } from '../tests-faults/helpers/server';
import { TestSmtp } from '../tests/helpers/smtp';

interface Sample {
  t: number;
  rssMiB: number;
  events: number;
  reads: number;
  emails: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const mx = mean(points.map((p) => p.x));
  const my = mean(points.map((p) => p.y));
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const minutes = Number(arg('minutes', '10'));
  const sampleSeconds = Number(arg('sample-seconds', '5'));
  const out = arg('out', '');
  const { dir, cleanup } = tempDir('soak');
  const file = path.join(dir, 'soak.db');
  const policies = path.join(dir, 'policies.json');
  // Offices left in `invited` remind their coordinator every 10 s, five times, then escalate.
  fs.writeFileSync(
    policies,
    JSON.stringify({ states: { invited: { sla: 'PT5S', every: 'PT10S', reminders: 5, recipient: 'coordinator' } } }),
  );
  const smtp = new TestSmtp();
  await smtp.start();
  const env = {
    SMTP_URL: smtp.url,
    POLICIES_PATH: policies,
    SCHEDULER_INTERVAL_MS: '1000',
    DISPATCH_INTERVAL_MS: '1000',
    LOG_LEVEL: 'warn',
  };
  const server = await startServer({ databasePath: file, env: { ...env, LOG_LEVEL: 'info' } });
  const base = server.url;
  console.log(`soak: ${minutes} min against pid ${server.pid} on ${base}, database ${file}`);

  const writers = new Load({ clients: 2, totalEvents: Number.MAX_SAFE_INTEGER, prefix: 'soak' });
  writers.setBase(base);
  writers.start();

  const deadline = Date.now() + minutes * 60_000;
  let reads = 0;
  let readErrors = 0;
  const readStatuses = new Map<number, number>();
  const reader = async (r: number) => {
    let i = 0;
    while (Date.now() < deadline) {
      const ids = writers.stats.registered;
      const id = ids[Math.floor(Math.random() * ids.length)] ?? 'none';
      const paths = [
        `/api/offices?limit=50&offset=${(i * 37) % Math.max(1, ids.length)}`,
        '/api/stats',
        `/api/offices/${id}`,
        `/api/offices/${id}/history`,
        '/api/stuck',
        '/api/outbox?status=sent&limit=20',
        `/api/offices?q=soak-c${r}&limit=20`,
      ];
      const p = paths[i++ % paths.length] as string;
      try {
        const reply = await request(base, 'GET', p);
        readStatuses.set(reply.status, (readStatuses.get(reply.status) ?? 0) + 1);
        reads++;
      } catch {
        readErrors++;
      }
    }
  };
  const readers = [reader(0), reader(1)];

  // A few offices a minute wait in `invited`, so the scheduler and SMTP never go quiet.
  let idle = 0;
  const idleOffices = (async () => {
    while (Date.now() < deadline) {
      for (let k = 0; k < 3; k++) {
        const id = `idle-${idle++}`;
        await request(base, 'POST', '/api/offices', { body: { id, name: `Waiting ${id}`, country: 'KE' } }).catch(() => undefined);
        await request(base, 'POST', `/api/offices/${id}/events`, { body: { type: 'SEND_CIRCULAR' } }).catch(() => undefined);
      }
      await sleep(5000);
    }
  })();

  let sweeps = 0;
  const sweeper = (async () => {
    while (Date.now() < deadline) {
      await sleep(60_000);
      if (Date.now() >= deadline) break;
      const result = await runCli(file, ['sweep', '--json'], env);
      if (result.code === 0) sweeps++;
      else console.log(`sweep failed: ${result.stderr.trim()}`);
    }
  })();

  const samples: Sample[] = [];
  const started = Date.now();
  while (Date.now() < deadline) {
    const rss = rssKiB(server.pid);
    if (rss === null) throw new Error('server is gone');
    const sample = { t: Math.round((Date.now() - started) / 1000), rssMiB: +(rss / 1024).toFixed(1), events: writers.ackedEvents, reads, emails: smtp.received.length };
    samples.push(sample);
    console.log(`t=${String(sample.t).padStart(4)}s rss=${sample.rssMiB.toFixed(1).padStart(6)} MiB events=${sample.events} reads=${sample.reads} emails=${sample.emails}`);
    await sleep(sampleSeconds * 1000);
  }
  writers.stop();
  await Promise.all([writers.done(), ...readers, idleOffices, sweeper]);

  const third = Math.floor(samples.length / 3);
  const middle = samples.slice(third, 2 * third).map((s) => s.rssMiB);
  const last = samples.slice(2 * third).map((s) => s.rssMiB);
  const growth = (mean(last) - mean(middle)) / mean(middle);
  const tail = samples.slice(third).map((s) => ({ x: s.t / 60, y: s.rssMiB }));
  const verdict = growth <= 0.1 ? 'BOUNDED' : 'GROWING';

  await sleep(3000); // let the dispatcher finish what is in flight
  await server.stop();
  const verifyResult = await runCli(file, ['verify']);
  const db = new Database(file, { readonly: true });
  const outbox = Object.fromEntries(
    (db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
  );
  const integrity = db.pragma('integrity_check', { simple: true });
  const sizeMiB = +(fs.statSync(file).size / 1048576).toFixed(1);
  db.close();
  await smtp.stop();

  const summary = {
    minutes,
    samples: samples.length,
    rssMiB: { first: samples[0]?.rssMiB, min: Math.min(...samples.map((s) => s.rssMiB)), max: Math.max(...samples.map((s) => s.rssMiB)), middleThirdMean: +mean(middle).toFixed(1), lastThirdMean: +mean(last).toFixed(1) },
    growthLastVsMiddle: +(growth * 100).toFixed(1) + '%',
    slopeMiBPerMinAfterFirstThird: +slope(tail).toFixed(2),
    events: writers.ackedEvents,
    offices: writers.stats.registered.length + idle,
    reads,
    readErrors,
    readStatuses: Object.fromEntries(readStatuses),
    unexpectedWriteAnswers: writers.stats.unexpected.length,
    emailsReceived: smtp.received.length,
    duplicateMessageIds: smtp.duplicates().length,
    outbox,
    cliSweeps: sweeps,
    databaseMiB: sizeMiB,
    integrity,
    verify: verifyResult.stdout.trim(),
    verdict,
  };
  console.log(JSON.stringify(summary, null, 2));
  if (out) fs.writeFileSync(out, JSON.stringify({ summary, samples }, null, 2));
  cleanup();
  process.exitCode = verdict === 'BOUNDED' && summary.duplicateMessageIds === 0 && verifyResult.code === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
