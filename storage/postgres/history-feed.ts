import type { Client, Notification } from 'pg';
import type { CommittedTransition } from '../storage';

export type { CommittedTransition };

export interface HistoryFeed {
  close(): Promise<void>;
}

export const HISTORY_CHANNEL = 'onboarding_history';
const RECONNECT_MS = 1000;
/** At most this many ids per read: a burst of notifications is read in a few round trips. */
const READ_BATCH = 500;

interface Row {
  event_id: number;
  office_id: string;
  seq: number;
  type: string;
  from_states: string[];
  to_states: string[];
  actor: string;
  at: string;
}

const COLUMNS = 'event_id, office_id, seq, type, from_states, to_states, actor, at';
const toTransition = (r: Row): CommittedTransition => ({ eventId: r.event_id, officeId: r.office_id, seq: r.seq, type: r.type, from: r.from_states, to: r.to_states, actor: r.actor, at: r.at });

/**
 * Every transition committed by any server on the database, in commit order, from LISTEN/NOTIFY
 * (storage/postgres/migrations/007_history_notify.sql). Notifications carry ids only; the rows are read back. A lost
 * connection is reopened, and what committed meanwhile is read by event id: ids are taken at
 * insert, so a row still committing below the last id seen may be missed then (a client that
 * needs every row reloads, as after any gap in the stream).
 */
export async function listenForHistory(
  connect: () => Client,
  onTransition: (t: CommittedTransition) => void,
  onError: (error: unknown) => void = () => {},
): Promise<HistoryFeed> {
  let client: Client | undefined;
  let closed = false;
  let lastSeen = 0;
  let pending: number[] = [];
  let reading: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;

  const read = async (c: Client) => {
    while (pending.length > 0 && !closed) {
      const ids = pending.slice(0, READ_BATCH);
      pending = pending.slice(ids.length);
      const rows = (await c.query<Row>(`SELECT ${COLUMNS} FROM history WHERE event_id = ANY($1::bigint[])`, [ids])).rows;
      const byId = new Map(rows.map((r) => [r.event_id, r]));
      // In the order the notifications came: commit order, which may differ from id order.
      for (const id of ids) {
        const row = byId.get(id);
        if (!row) continue;
        lastSeen = Math.max(lastSeen, id);
        onTransition(toTransition(row));
      }
    }
  };

  const open = async (catchUp: boolean) => {
    const c = connect();
    c.on('error', (error) => {
      onError(error);
      if (client === c) reconnect();
    });
    c.on('notification', (n: Notification) => {
      if (n.channel !== HISTORY_CHANNEL || !n.payload) return;
      pending.push(Number(n.payload));
      reading = reading.then(() => read(c)).catch(onError);
    });
    await c.connect();
    await c.query(`LISTEN ${HISTORY_CHANNEL}`);
    client = c;
    if (catchUp) {
      const missed = await c.query<Row>(`SELECT ${COLUMNS} FROM history WHERE event_id > $1 ORDER BY event_id`, [lastSeen]);
      for (const row of missed.rows) {
        lastSeen = Math.max(lastSeen, row.event_id);
        onTransition(toTransition(row));
      }
    }
  };

  const reconnect = () => {
    const old = client;
    client = undefined;
    void old?.end().catch(() => {});
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (!closed) open(true).catch((error: unknown) => {
        onError(error);
        reconnect();
      });
    }, RECONNECT_MS);
    retry.unref();
  };

  await open(false);
  const [{ max }] = (await client!.query<{ max: number | null }>('SELECT max(event_id) AS max FROM history')).rows as [{ max: number | null }];
  lastSeen = Math.max(lastSeen, max ?? 0);
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await reading.catch(() => {});
      await client?.end().catch(() => {});
    },
  };
}
