import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { ensurePrivateDir, writePrivateFile } from '../storage/private-files';

/**
 * Where messages go. With SMTP_URL, nodemailer's SMTP transport (`smtp://user:pass@host:587`
 * upgrades with STARTTLS when the server offers it; `smtps://` is TLS from the start). Without it,
 * the embedded default writes each message as an `.eml` file, so the server works with no mail server.
 */
export interface OutgoingMessage {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  date: Date;
  headers?: Record<string, string>;
  attachments?: { filename: string; contentType: string; content: string }[];
}

export interface MailTransport {
  readonly description: string;
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

/** An SMTP error the server answered with a 5xx code: retrying will not help. */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function smtpTransport(url: string, options: { timeoutMs?: number } = {}): MailTransport {
  const timeout = options.timeoutMs ?? 30_000;
  // The timeouts go in the transport options beside `url`: a second argument to createTransport
  // would only be message defaults, leaving nodemailer's 10-minute socket timeout in force.
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const safe = new URL(url);
  safe.password = safe.password ? '***' : '';
  return {
    description: `SMTP ${safe.toString()}`,
    async send(m) {
      await transporter.sendMail({ ...m, to: m.to.join(', ') });
    },
    close: () => transporter.close(),
  };
}

/** The embedded default: `<dir>/<Message-ID>.eml`, written atomically (temp file, then rename). */
export function fileTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `files in ${dir}`,
    async send(m) {
      const info = (await transporter.sendMail({ ...m, to: m.to.join(', ') })) as unknown as { message: Buffer };
      // Each file holds live reply links: readable by the server's user only (storage/private-files.ts).
      ensurePrivateDir(dir);
      const name = m.messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9@._-]/g, '_') + '.eml';
      const target = path.join(dir, name);
      await writePrivateFile(target + '.tmp', info.message);
      await fs.promises.rename(target + '.tmp', target);
    },
    close: () => transporter.close(),
  };
}
