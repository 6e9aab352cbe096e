import type { Response } from 'express';
import type { EngineHooks, TransitionRecord } from '../../engine/engine';

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
const REPLAY = 500;
const MAX_CLIENTS = 1000;

/**
 * Server-Sent Events fan-out, fed by the engine's `afterCommit` hook: it announces only what has
 * committed. Keeps the last few hundred messages so a reconnecting client (`Last-Event-ID`) misses
 * nothing; a client that was away longer simply reloads what it shows.
 */
export class LiveBroadcaster {
  private readonly clients = new Set<Response>();
  private readonly recent: { id: number; data: string }[] = [];
  private nextId = 1;
  private heartbeat: NodeJS.Timeout | undefined;

  /** The hook to register with `engine.addHooks`. */
  readonly hooks: EngineHooks = {
    afterCommit: (record) => this.publish(toMessage(record)),
  };

  get clientCount(): number {
    return this.clients.size;
  }

  publish(message: LiveMessage): void {
    const id = this.nextId++;
    const data = JSON.stringify(message);
    this.recent.push({ id, data });
    if (this.recent.length > REPLAY) this.recent.shift();
    if (this.clients.size === 0) return;
    const frame = `id: ${id}\nevent: transition\ndata: ${data}\n\n`;
    for (const res of this.clients) res.write(frame);
  }

  /** Takes over an HTTP response as an event stream until the client goes away. */
  attach(res: Response, lastEventId?: string): void {
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
      for (const m of this.recent) if (m.id > since) res.write(`id: ${m.id}\nevent: transition\ndata: ${m.data}\n\n`);
    }
    this.clients.add(res);
    this.heartbeat ??= setInterval(() => {
      for (const client of this.clients) client.write(': keep-alive\n\n');
    }, HEARTBEAT_MS).unref();
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0 && this.heartbeat) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    });
  }

  /** Ends every open stream (server shutdown). */
  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

export function toMessage(record: TransitionRecord): LiveMessage {
  const { entry, office } = record;
  return { office: office.id, type: entry.type, from: entry.from, to: entry.to, at: entry.at, version: office.version, actor: entry.actor };
}
