import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { MailboxPlace } from './inbox';

/**
 * Reads the programme's mailbox over IMAP (imapflow): every unseen message is handed over, then
 * flagged \Seen once its handling has committed, so a message is read once, also across restarts.
 * A stop between the commit and the flag leaves it unseen; its place (UIDVALIDITY, UID) is already
 * stored, so the next pass only flags it.
 */
export interface MailboxAddress {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  folder: string;
}

export function parseImapUrl(url: string): MailboxAddress {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  const folder = decodeURIComponent(u.pathname.replace(/^\/+/, '')) || 'INBOX';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    folder,
  };
}

export type MessageHandler = (source: Buffer, place: MailboxPlace) => Promise<unknown>;

export interface PassResult {
  read: number;
}

export class MailboxReader {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  /** Where failed passes are reported; set by whoever starts the loop. */
  logger: Logger | undefined;

  constructor(
    private readonly address: MailboxAddress,
    private readonly handle: MessageHandler,
  ) {}

  /** One pass: connect, hand over each unseen message, flag it, log out. */
  async pollOnce(): Promise<PassResult> {
    const a = this.address;
    const client = new ImapFlow({ host: a.host, port: a.port, secure: a.secure, auth: { user: a.user, pass: a.pass }, logger: false });
    // Errors after connecting (a dropped socket) reject the command in flight; this keeps them from being unhandled.
    client.on('error', (error: Error) => this.logger?.warn({ err: error }, 'mailbox connection error'));
    await client.connect();
    let read = 0;
    try {
      const lock = await client.getMailboxLock(a.folder);
      try {
        const mailbox = client.mailbox;
        if (!mailbox) throw new Error(`mailbox ${a.folder} did not open`);
        const uidValidity = Number(mailbox.uidValidity);
        const uids = (await client.search({ seen: false }, { uid: true })) || [];
        for (const uid of uids) {
          const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (!message || !message.source) continue;
          try {
            await this.handle(message.source, { mailbox: a.folder, uidValidity, uid });
          } catch (error) {
            // One message that cannot be handled must not hold up the others: it stays unseen, tried again next pass.
            this.logger?.warn({ err: error, uid }, 'mailbox message not handled');
            continue;
          }
          await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
          read++;
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    return { read };
  }

  /** Reads now, then every `intervalMs` after each pass ends; a failed pass is logged and retried. */
  start(intervalMs: number): void {
    this.stopped = false;
    const pass = () => {
      this.timer = null;
      this.running = this.pollOnce()
        .then((r) => r.read > 0 && this.logger?.info({ read: r.read }, 'mailbox read'))
        .catch((error: unknown) => this.logger?.warn({ err: error }, 'mailbox pass failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(pass, intervalMs);
        });
    };
    pass();
  }

  /** Stops the loop, after the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
