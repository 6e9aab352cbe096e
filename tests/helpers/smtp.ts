import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 (smtp-server); every accepted message is parsed with mailparser.
 * Used by the tests, the fault tests and the soak run.
 *
 * How it answers DATA: accept (250), tempfail (451), permfail (550), hang (reads DATA and never
 * answers, so the client times out); `delayMs` answers late. `stop()` makes the port refuse
 * connections until `start()` again (on the same port).
 */
export type SmtpMode = 'accept' | 'tempfail' | 'permfail' | 'hang';

export interface ReceivedMail {
  messageId: string;
  /** Envelope recipients. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  date: Date | undefined;
  headers: Map<string, unknown>;
  /** Attachments as parsed by mailparser: file name, content type (with its parameters) and text. */
  attachments: { filename: string; contentType: string; method: string | undefined; content: string }[];
}

const REFUSALS = {
  tempfail: { code: 451, message: 'Mailbox busy, try again later' },
  permfail: { code: 550, message: 'No such user here' },
} as const;

export class TestSmtp {
  mode: SmtpMode = 'accept';
  delayMs = 0;
  /** Messages answered with 250: what the recipients got. */
  readonly received: ReceivedMail[] = [];
  /** Connection errors (resets by a killed client): expected in the fault tests, recorded, not thrown. */
  readonly connectionErrors: string[] = [];
  /** DATA commands seen in any mode. */
  dataAttempts = 0;
  port = 0;
  private server: SMTPServer | null = null;
  private hanging: (() => void)[] = [];

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        this.dataAttempts++;
        const mode = this.mode;
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const answer = async () => {
            if (mode === 'hang') {
              this.hanging.push(() => callback(new Error('closing')));
              return;
            }
            if (mode !== 'accept') {
              const { code, message } = REFUSALS[mode];
              callback(Object.assign(new Error(message), { responseCode: code }));
              return;
            }
            const parsed: ParsedMail = await simpleParser(Buffer.concat(chunks));
            this.received.push({
              messageId: parsed.messageId ?? '',
              to: envelopeTo,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              date: parsed.date,
              headers: parsed.headers,
              attachments: parsed.attachments.map((a) => ({
                filename: a.filename ?? '',
                contentType: a.contentType,
                method: (a.headers.get('content-type') as { params?: Record<string, string> } | undefined)?.params?.method,
                content: a.content.toString('utf8'),
              })),
            });
            callback();
          };
          const run = () => void answer().catch((error: Error) => callback(error));
          if (this.delayMs > 0) setTimeout(run, this.delayMs);
          else run();
        });
      },
    });
    server.on('error', (error: Error) => this.connectionErrors.push(error.message));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening: new connections are refused; hanging answers are released. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const release of this.hanging.splice(0)) release();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `count` messages have arrived (or fails after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 60_000): Promise<ReceivedMail[]> {
    const end = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > end) throw new Error(`expected ${count} message(s), got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.received;
  }

  /** Message-IDs received more than once. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const m of this.received) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  }
}

export async function startSmtp(): Promise<TestSmtp> {
  return new TestSmtp().start();
}

/** The reply links (…/r/<token>) in a message body. */
export function linksIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/\S+?\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}/g)].map((m) => m[0]);
}
