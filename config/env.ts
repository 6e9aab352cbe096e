import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting the server and the CLI read, with its default. The README's configuration table
 * lists the same names; both read this one schema.
 */
/**
 * Node runs a timer longer than 2^31-1 ms after 1 ms instead: an interval that large would turn a
 * 30-second loop into a busy one. Every delay is capped well below it.
 */
const TEN_MINUTES = 600_000;
const ONE_DAY = 86_400_000;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_PATH: z.string().min(1).default(path.join('data', 'onboarding.db')),
  /**
   * `postgres://user@host:5432/db` selects PostgreSQL (several servers may share it); empty: the
   * SQLite file at DATABASE_PATH. Checked, without printing the password, by storage/postgres/config.ts.
   */
  DATABASE_URL: z.string().trim().default(''),
  /** Connections per server on PostgreSQL (1 to 200); empty: 10. */
  DATABASE_POOL_SIZE: z.string().trim().default(''),
  DB_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  DB_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).max(TEN_MINUTES).default(5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z.string().default('1mb'),
  /** `auto`: load the demo programme when the database is empty, so a first `npm start` shows something real. */
  DEMO_DATA: z.enum(['auto', 'off']).default('auto'),
  /** Password of the `admin` account created on first start; when empty a random one is printed once. */
  ADMIN_PASSWORD: z.string().min(10).optional().or(z.literal('').transform(() => undefined)),
  /** Accepted as an admin bearer token on every route, pages included (automation, first set-up). Off when empty. */
  ADMIN_TOKEN: z.string().min(16).optional().or(z.literal('').transform(() => undefined)),
  /** Behind an HTTPS reverse proxy: trust X-Forwarded-* and mark session cookies Secure. */
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  SESSION_TTL_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(12),
  /** Outgoing mail: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…`. Empty: `.eml` files in OUTBOX_DIR. */
  SMTP_URL: z
    .string()
    .trim()
    .refine((u) => u === '' || /^smtps?:\/\/\S+$/.test(u), { message: 'must be an smtp:// or smtps:// URL' })
    .optional()
    .transform((u) => u || undefined),
  MAIL_FROM: z.string().trim().min(3).default('WIPOnet Project <wiponet@localhost>'),
  /** Receives escalations and reminders for stages that wait on WIPO, unless the office names its own coordinator. */
  COORDINATOR_EMAIL: z.string().trim().min(3).default('wiponet-coordinator@localhost'),
  /** Where the embedded mail transport writes `.eml` files (default: `outbox/` beside the database). */
  OUTBOX_DIR: z.string().min(1).optional(),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(TEN_MINUTES).default(30000),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** First retry delay; doubles with each attempt (with jitter), capped at 6 hours. */
  MAIL_RETRY_BASE_MS: z.coerce.number().int().min(0).max(ONE_DAY).default(60000),
  /** HMAC key of the reply links (16+ characters). Empty: one is generated once and kept in the database. */
  LINK_SECRET: z.string().min(16).optional().or(z.literal('').transform(() => undefined)),
  LINK_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(45),
  /** Base URL of the links in emails (default http://HOST:PORT). */
  PUBLIC_URL: z.url().optional().or(z.literal('').transform(() => undefined)),
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(100).max(ONE_DAY).default(30000),
  DISPATCH_INTERVAL_MS: z.coerce.number().int().min(100).max(ONE_DAY).default(5000),
  /** Operator overrides of the reminder policies (validated at start). */
  POLICIES_PATH: z.string().min(1).default(path.join('config', 'policies.json')),
  /** When the programme closes and hands over to IT operations (YYYY-MM-DD): the forecast's default deadline. */
  PROGRAMME_DEADLINE: z.iso
    .date()
    .refine((d) => d >= '1990-01-01' && d <= '2100-12-31', 'must be a date between 1990-01-01 and 2100-12-31')
    .default(() => `${new Date().getUTCFullYear()}-12-31`),
  /** WebSocket URL of a Stately inspector (e.g. ws://127.0.0.1:8080): every transition is streamed there. Off when empty. */
  INSPECT_URL: z
    .string()
    .trim()
    .refine((u) => u === '' || /^wss?:\/\/\S+$/.test(u), { message: 'must be a ws:// or wss:// URL' })
    .optional()
    .transform((u) => u || undefined),
  /** Client addresses and CIDR ranges (comma-separated) that may read GET /metrics without a token. */
  METRICS_ALLOW: z
    .string()
    .trim()
    .default('127.0.0.1,::1')
    .refine((v) => v.split(',').map((s) => s.trim()).filter(Boolean).every(isAddressOrRange), {
      message: 'must be comma-separated IP addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8',
    }),
  /** Lets webhooks reach private, loopback and link-local addresses (tests, an internal receiver). */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** One webhook attempt, from connecting to the end of the answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  /** First webhook retry delay; doubles with each attempt (with jitter), capped at 4 hours, for up to 24 hours. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(0).default(30000),
  /** The programme's mailbox, read for replies and bounces: `imap://user:pass@host:143/INBOX` (STARTTLS when offered) or `imaps://…`. Off when empty. */
  IMAP_URL: z
    .string()
    .trim()
    .refine((u) => u === '' || /^imaps?:\/\/\S+$/.test(u), { message: 'must be an imap:// or imaps:// URL' })
    .optional()
    .transform((u) => u || undefined),
  /** How often the mailbox is read for new messages. */
  IMAP_INTERVAL_MS: z.coerce.number().int().min(100).max(ONE_DAY).default(60000),
  /** How often pending webhook deliveries are looked for (a transition also wakes the dispatcher). */
  WEBHOOK_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
});

function isAddressOrRange(item: string): boolean {
  const [address, bits, extra] = item.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

export type Config = z.infer<typeof envSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  return { ...parsed.data, ...overrides };
}
