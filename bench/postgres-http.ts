/**
 * Issue 15 §5 (c) and (d): `POST /api/offices/:id/events` from concurrent keep-alive clients against
 * real server processes (`server/main.ts`) on PostgreSQL — one server, or several on one shared
 * database with the clients spread round-robin over them. After the run, `check()` reads the
 * database through `pg`: every office's history must be seq 1..n without a gap after its registration (seq 0) and its version n
 * (no fork between servers), and no mail may have been queued or sent twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { benchOfficeId, happyPath, httpAgent, request, startServer, type ChildServer } from './lib';

export interface Variant {
  name: string;
  /** Takes offices `from`..`from + count - 1` through the whole path; answers per-event latencies (ms). */
  block(from: number, count: number): Promise<number[]>;
  close(): Promise<void>;
}

export interface Integrity {
  offices: number;
  /** Offices whose history is not seq 1..n gap-free with version n. */
  forks: number;
  /** Offices whose version is not the one the whole path leads to. */
  incomplete: number;
  mails: number;
  sent: number;
  /** (office, kind) pairs with more than one outbox row, and rows attempted more than once. */
  duplicates: number;
  retried: number;
  /** `.eml` files the servers wrote (one per Message-ID; a second send of one would overwrite it). */
  files: number;
}

export interface HttpVariant extends Variant {
  check(expectedVersion: number): Promise<Integrity>;
}

export async function httpVariant(label: string, url: string, servers: number, clients: number): Promise<HttpVariant> {
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-outbox-`));
  const started: ChildServer[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
    fs.rmSync(outbox, { recursive: true, force: true });
  };
  try {
    for (let s = 0; s < servers; s++) {
      // DATABASE_PATH is not opened with DATABASE_URL set; the outbox folder is shared like the database.
      started.push(await startServer(path.join(outbox, 'unused.db'), 'FULL', { DATABASE_URL: url, OUTBOX_DIR: outbox }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name: label,
    async block(from, count) {
      // Fresh connections per block: one left idle while the other variants run would be closed by
      // the server's keep-alive timeout and could reset a request racing it.
      const agents = started.map(() => httpAgent(Math.ceil(clients / servers)));
      const ms: number[] = [];
      let next = from;
      const client = async (c: number) => {
        const port = started[c % servers]!.port;
        const agent = agents[c % servers]!;
        for (let i = next++; i < from + count; i = next++) {
          for (const event of happyPath(i)) {
            const t0 = performance.now();
            const res = await request(agent, port, 'POST', `/api/offices/${benchOfficeId(i)}/events`, event);
            if (res.status !== 200) throw new Error(`${label}: HTTP ${res.status} for ${event.type} on ${benchOfficeId(i)}: ${res.body}`);
            ms.push(performance.now() - t0);
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
      } finally {
        for (const a of agents) a.destroy();
      }
      return ms;
    },
    async check(expectedVersion) {
      const db = new Client({ connectionString: url });
      await db.connect();
      try {
        // The servers' dispatchers send beside the requests; wait (bounded) for what is still queued.
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
          const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending') AND send_after <= now()`);
          if (Number(rows[0]!.n) === 0) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        // Registration writes seq 0 at version 0; each event after it seq 1..n, leaving version n.
        const { rows: [h] } = await db.query<{ offices: string; forks: string; incomplete: string }>(`
          SELECT count(*) AS offices,
                 count(*) FILTER (WHERE NOT (registered = 1 AND n = version AND (n = 0 OR (lo = 1 AND hi = n AND distinct_seq = n)))) AS forks,
                 count(*) FILTER (WHERE version <> $1) AS incomplete
          FROM (SELECT o.id, o.version, count(h.seq) FILTER (WHERE h.seq = 0) AS registered,
                       count(h.seq) FILTER (WHERE h.seq > 0) AS n, min(h.seq) FILTER (WHERE h.seq > 0) AS lo,
                       max(h.seq) AS hi, count(DISTINCT h.seq) FILTER (WHERE h.seq > 0) AS distinct_seq
                FROM offices o LEFT JOIN history h ON h.office_id = o.id GROUP BY o.id, o.version) AS per_office`, [expectedVersion]);
        const { rows: [m] } = await db.query<{ mails: string; sent: string; retried: string; duplicates: string }>(`
          SELECT count(*) AS mails, count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE attempts > 1) AS retried,
                 (SELECT count(*) FROM (SELECT 1 FROM outbox GROUP BY office_id, kind HAVING count(*) > 1) AS d) AS duplicates
          FROM outbox`);
        return {
          offices: Number(h!.offices), forks: Number(h!.forks), incomplete: Number(h!.incomplete),
          mails: Number(m!.mails), sent: Number(m!.sent), duplicates: Number(m!.duplicates), retried: Number(m!.retried),
          files: fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')).length,
        };
      } finally {
        await db.end();
      }
    },
    close: stop,
  };
}
