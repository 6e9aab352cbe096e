import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 (smtp-server); every accepted message is parsed with mailparser.
 * `delayMs` makes it answer slowly; `failWith` answers DATA with that code; `stop()` makes the port
 * refuse connections until `start()` again (on the same port).
 */
export interface ReceivedMail {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  date: Date | undefined;
  headers: Map<string, unknown>;
}

export class TestSmtp {
  readonly received: ReceivedMail[] = [];
  delayMs = 0;
  failWith: number | null = null;
  port = 0;
  private server: SMTPServer | null = null;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const finish = async () => {
            if (this.failWith) {
              callback(Object.assign(new Error(`refused with ${this.failWith}`), { responseCode: this.failWith }));
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
            });
            callback();
          };
          const run = () => void finish().catch((error: Error) => callback(error));
          if (this.delayMs > 0) setTimeout(run, this.delayMs);
          else run();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `count` messages have arrived (or fails after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    const end = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > end) throw new Error(`expected ${count} message(s), got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.received;
  }
}

export async function startSmtp(): Promise<TestSmtp> {
  return new TestSmtp().start();
}

/** The reply links (…/r/<token>) in a message body. */
export function linksIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/\S+?\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}/g)].map((m) => m[0]);
}
