import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * How the loopback SMTP server behaves: accept (250), tempfail (451 after DATA), permfail
 * (550 after DATA), hang (reads DATA and never answers, so the client times out). `stop()` makes
 * it refuse connections (nothing listens on the port) until `start()` again.
 */
export type SmtpMode = 'accept' | 'tempfail' | 'permfail' | 'hang';

export interface ReceivedMail {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export class LoopbackSmtp {
  mode: SmtpMode = 'accept';
  /** Messages answered with 250: what the recipients got. */
  readonly received: ReceivedMail[] = [];
  /** Connection errors (resets by a killed client). */
  readonly connectionErrors: string[] = [];
  /** DATA commands seen in any mode. */
  dataAttempts = 0;
  port = 0;
  private server: SMTPServer | null = null;
  private hanging: (() => void)[] = [];

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        this.dataAttempts++;
        const mode = this.mode;
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (mode === 'hang') {
            this.hanging.push(() => callback(new Error('closing')));
            return;
          }
          if (mode === 'tempfail') return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
          if (mode === 'permfail') return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
          simpleParser(Buffer.concat(chunks))
            .then((mail) => {
              const to = mail.to ? (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a.value.map((v) => v.address ?? '')) : [];
              const headers: Record<string, string> = {};
              for (const [k, v] of mail.headers) if (typeof v === 'string') headers[k] = v;
              this.received.push({ messageId: mail.messageId ?? '', to, subject: mail.subject ?? '', text: mail.text ?? '', headers });
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    // A client killed mid-session resets its connection: expected here, recorded, not thrown.
    server.on('error', (error: Error) => this.connectionErrors.push(error.message));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.server.address() as AddressInfo).port;
        resolve();
      });
    });
    this.server = server;
  }

  /** Stops listening: new connections are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const release of this.hanging.splice(0)) release();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Message-IDs received more than once. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const m of this.received) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  }
}
