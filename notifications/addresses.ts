import path from 'node:path';
import type { Config } from '../config/env';

/** Where the file transport writes `.eml` files when no SMTP server is configured. */
export function outboxDirOf(config: Config): string {
  return config.OUTBOX_DIR ?? path.join(path.dirname(path.resolve(config.DATABASE_PATH)), 'outbox');
}

/** The address links in emails point to. */
export function publicUrlOf(config: Config): string {
  return config.PUBLIC_URL ?? `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`;
}
