import { NetworkError, request, type OfficeBody } from './http';

/** The kit-track happy path, prospect to handed over: 11 events, office version = step index. */
export const HAPPY_PATH: { type: string; payload?: Record<string, unknown> }[] = [
  { type: 'SEND_CIRCULAR', payload: { letterRef: 'C.9000' } },
  { type: 'REPLY_AFFIRMATIVE' },
  { type: 'SITE_SURVEYED' },
  { type: 'SITE_READY' },
  { type: 'FOCAL_POINT_NOMINATED', payload: { name: 'Ana Focal', email: 'focal@example.org' } },
  { type: 'ENROLLED', payload: { workshopId: 'WS-1' } },
  { type: 'TRAINING_COMPLETED' },
  { type: 'KIT_SHIPPED', payload: { goldDiskVersion: '7.1' } },
  { type: 'KIT_DELIVERED' },
  { type: 'KIT_INSTALLED' },
  { type: 'HANDED_OVER' },
];

const COUNTRIES = ['FR', 'ES', 'BR', 'KE', 'VN', 'CH', 'MA', 'PE'];

/** An event the server acknowledged with a 2xx: it must be in history at `seq` forever after. */
export interface Ack {
  officeId: string;
  seq: number;
  type: string;
}

export interface LoadStats {
  acked: Ack[];
  registered: string[];
  /** Requests that got no HTTP answer (server killed or down). */
  networkErrors: number;
  /** Events with no answer that the server had nevertheless committed (found on resync). */
  appliedWithoutAck: number;
  /** Answers that should never happen under this load: any 5xx other than 503, any unexpected 4xx. */
  unexpected: { status: number; body: unknown; what: string }[];
  busy503: number;
}

export interface LoadOptions {
  clients: number;
  /** Stop once this many events (not registrations) have been acknowledged in total. */
  totalEvents: number;
  prefix: string;
  actor?: string;
  /** Register offices with contacts so that reminders have someone to write to. */
  contactEmail?: string;
}

/**
 * Clients that register offices and walk each along the happy path with If-Match, surviving a
 * server that disappears and comes back: after a request with no answer they re-read the office
 * and continue from the version the server actually has.
 */
export class Load {
  readonly stats: LoadStats = { acked: [], registered: [], networkErrors: 0, appliedWithoutAck: 0, unexpected: [], busy503: 0 };
  /** The servers the clients send to, in turn; null entries are down (skipped). */
  private bases: (string | null)[] = [];
  private turn = 0;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  /** Where the clients send; null while the server is down (they wait). */
  setBase(url: string | null): void {
    this.setBases([url]);
  }

  /** Several servers on one database: each request goes to the next one up (round-robin). */
  setBases(urls: (string | null)[]): void {
    this.bases = [...urls];
    if (urls.some((u) => u)) for (const wake of this.waiters.splice(0)) wake();
  }

  private nextBase(): string | null {
    for (let i = 0; i < this.bases.length; i++) {
      const url = this.bases[this.turn++ % this.bases.length];
      if (url) return url;
    }
    return null;
  }

  start(): void {
    for (let c = 0; c < this.options.clients; c++) this.running.push(this.client(c));
  }

  /** Resolves when the target is reached (or `stop` was called). */
  done(): Promise<void> {
    return Promise.all(this.running).then(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  get ackedEvents(): number {
    return this.stats.acked.length;
  }

  private finished(): boolean {
    return this.stopped || this.stats.acked.length >= this.options.totalEvents;
  }

  private async url(): Promise<string> {
    let url = this.nextBase();
    while (!url && !this.stopped) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      url = this.nextBase();
    }
    return url ?? '';
  }

  /** Calls until an HTTP answer arrives; a missing answer waits and retries after `onLost`. */
  private async call<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T } | null> {
    if (this.stopped) return null;
    const base = await this.url();
    if (this.stopped) return null;
    try {
      const reply = await request<T>(base, method, path, {
        ...options,
        headers: { 'x-actor': this.options.actor ?? 'fault-load', ...options.headers },
      });
      return reply;
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      this.stats.networkErrors++;
      await new Promise((resolve) => setTimeout(resolve, 25));
      return null;
    }
  }

  /** The version the server has for the office, or -1 if it does not exist; retried until answered. */
  private async resync(id: string): Promise<number> {
    for (;;) {
      if (this.stopped) return -2;
      const reply = await this.call<OfficeBody>('GET', `/api/offices/${id}`, {});
      if (!reply) continue;
      if (reply.status === 200) return reply.body.version;
      if (reply.status === 404) return -1;
      if (reply.status !== 503) this.stats.unexpected.push({ status: reply.status, body: reply.body, what: `GET ${id}` });
    }
  }

  private async client(c: number): Promise<void> {
    let n = 0;
    while (!this.finished()) {
      const id = `${this.options.prefix}-c${c}-${n++}`;
      let version = await this.register(id, n);
      while (version >= 0 && version < HAPPY_PATH.length && !this.finished()) {
        const step = HAPPY_PATH[version];
        if (!step) break;
        const reply = await this.call<OfficeBody>('POST', `/api/offices/${id}/events`, {
          body: { type: step.type, ...step.payload },
          headers: { 'if-match': `"${version}"` },
        });
        if (!reply) {
          if (this.stopped) return;
          const now = await this.resync(id);
          if (now === version + 1) this.stats.appliedWithoutAck++;
          version = now;
          continue;
        }
        if (reply.status === 200) {
          if (reply.body.version !== version + 1) {
            this.stats.unexpected.push({ status: 200, body: reply.body, what: `version after ${step.type}` });
          }
          this.stats.acked.push({ officeId: id, seq: reply.body.version, type: step.type });
          version = reply.body.version;
        } else if (reply.status === 503) {
          this.stats.busy503++;
        } else {
          this.stats.unexpected.push({ status: reply.status, body: reply.body, what: `${step.type} on ${id}@${version}` });
          version = await this.resync(id);
        }
      }
    }
  }

  private async register(id: string, n: number): Promise<number> {
    const body = {
      id,
      name: `Fault office ${id}`,
      country: COUNTRIES[n % COUNTRIES.length],
      language: 'fr',
      contacts: this.options.contactEmail ? [{ name: 'Registry', email: this.options.contactEmail }] : [],
    };
    for (;;) {
      if (this.stopped) return -2;
      const reply = await this.call<OfficeBody>('POST', '/api/offices', { body });
      if (!reply) {
        const now = await this.resync(id);
        if (now >= 0) {
          this.stats.registered.push(id);
          return now;
        }
        continue;
      }
      if (reply.status === 201) {
        this.stats.registered.push(id);
        return reply.body.version;
      }
      if (reply.status === 503) {
        this.stats.busy503++;
        continue;
      }
      this.stats.unexpected.push({ status: reply.status, body: reply.body, what: `register ${id}` });
      return -1;
    }
  }
}
