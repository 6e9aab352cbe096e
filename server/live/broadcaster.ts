import type { Response } from 'express';
import type { EngineHooks, TransitionRecord } from '../../engine/engine';
import type { CommittedTransition } from '../../storage/storage';

/** One message per committed transition, as `GET /api/events/stream` sends it. */
export interface LiveMessage {
  office: string;
  type: string;
  from: string[];
  to: string[];
  at: string;
  /** The office's version after the transition: a page compares it with the one it shows. */
  version: number;
  actor: string;
}

const HEARTBEAT_MS = 15_000;
/** A stream's credentials are checked again at least this often, and before an event when older than a second. */
const RECHECK_MS = 5_000;
const RECHECK_ON_EVENT_MS = 1_000;
const REPLAY = 500;
const MAX_CLIENTS = 1000;

/**
 * Server-Sent Events fan-out, fed by the engine's `afterCommit` hook: it announces only what has
 * committed. Keeps the last few hundred messages so a reconnecting client (`Last-Event-ID`) misses
 * nothing; a client that was away longer simply reloads what it shows.
 */
/** Whether the credentials a stream was opened with still grant it (token not revoked, user enabled, role enough). */
export type StillAllowed = () => boolean | Promise<boolean>;

interface Client {
  stillAllowed: StillAllowed;
  /** performance.now() of the last check: scheduling time, not the domain clock. */
  checkedAt: number;
  /** The client's frames and checks in order: a frame waits for the check before it. */
  chain: Promise<void>;
}

export class LiveBroadcaster {
  private readonly clients = new Map<Response, Client>();
  private readonly recent: { id: number; data: string }[] = [];
  private nextId = 1;
  private heartbeat: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;

  /** The hook to register with `engine.addHooks`. */
  readonly hooks: EngineHooks = {
    afterCommit: (record) => this.publish(toMessage(record)),
  };

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Sends one message to every stream. `id` is the history row's global event id where the
   * database gives one (PostgreSQL, where the messages come from every server); else a count.
   */
  publish(message: LiveMessage, id: number = this.nextId++): void {
    const data = JSON.stringify(message);
    this.recent.push({ id, data });
    if (this.recent.length > REPLAY) this.recent.shift();
    if (this.clients.size === 0) return;
    const frame = `id: ${id}\nevent: transition\ndata: ${data}\n\n`;
    const now = performance.now();
    for (const [res, client] of this.clients) {
      const due = now - client.checkedAt >= RECHECK_ON_EVENT_MS;
      client.chain = client.chain.then(async () => {
        if (due && !(await this.allowed(res, client, now))) return;
        if (this.clients.has(res)) res.write(frame);
      });
    }
  }

  /** Checks a stream's credentials; one that no longer holds is ended (and removed). */
  private async allowed(res: Response, client: Client, now: number): Promise<boolean> {
    client.checkedAt = now;
    let ok: boolean;
    try {
      ok = await client.stillAllowed();
    } catch {
      ok = false; // cannot tell (database gone): do not keep delivering
    }
    if (!ok && this.clients.has(res)) {
      this.clients.delete(res);
      res.end();
    }
    return ok;
  }

  /** Takes over an HTTP response as an event stream until the client goes away. */
  attach(res: Response, lastEventId?: string, stillAllowed: StillAllowed = () => true): void {
    if (this.clients.size >= MAX_CLIENTS) {
      res.status(503).json({ error: { code: 'too_many_streams', message: 'Too many live streams are open; try again later.', details: {} } });
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write(`retry: 2000\n: connected\n\n`);
    const since = lastEventId !== undefined ? Number(lastEventId) : NaN;
    if (Number.isInteger(since)) {
      // After the message the client saw last, in the order sent: event ids are taken at insert
      // and sent in commit order, so a later message may carry a smaller id.
      const seen = this.recent.findIndex((m) => m.id === since);
      const missed = seen >= 0 ? this.recent.slice(seen + 1) : this.recent.filter((m) => m.id > since);
      for (const m of missed) res.write(`id: ${m.id}\nevent: transition\ndata: ${m.data}\n\n`);
    }
    this.clients.set(res, { stillAllowed, checkedAt: performance.now(), chain: Promise.resolve() });
    this.heartbeat ??= setInterval(() => {
      for (const client of this.clients.keys()) client.write(': keep-alive\n\n');
    }, HEARTBEAT_MS).unref();
    this.recheck ??= setInterval(() => {
      const now = performance.now();
      for (const [client, state] of this.clients) state.chain = state.chain.then(async () => await this.allowed(client, state, now).then(() => undefined));
      if (this.clients.size === 0) this.stopTimers();
    }, RECHECK_MS).unref();
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopTimers();
    });
  }

  private stopTimers(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.recheck);
    this.heartbeat = undefined;
    this.recheck = undefined;
  }

  /** Ends every open stream (server shutdown). */
  close(): void {
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
    this.stopTimers();
  }
}

/** A transition another server (or this one) committed, as read back from the history (PostgreSQL). */
export function liveMessageOf(t: CommittedTransition): LiveMessage {
  return { office: t.officeId, type: t.type, from: t.from, to: t.to, at: t.at, version: t.seq, actor: t.actor };
}

export function toMessage(record: TransitionRecord): LiveMessage {
  const { entry, office } = record;
  return { office: office.id, type: entry.type, from: entry.from, to: entry.to, at: entry.at, version: office.version, actor: entry.actor };
}
