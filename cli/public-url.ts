import type { Config } from '../config/env';
import type { Runtime, RuntimeOptions } from '../app/runtime';
import { publicUrlOf } from '../notifications/addresses';

let warned = false;

/**
 * Emails carry links (reply links, office pages) built from PUBLIC_URL. The server can fall back to
 * its own HOST and PORT; a CLI command cannot know where users reach the server, so when it writes
 * emails without PUBLIC_URL it says so, once per run, on stderr.
 */
export function warnWithoutPublicUrl(config: Config): void {
  if (config.PUBLIC_URL || warned) return;
  warned = true;
  process.stderr.write(
    `warning: PUBLIC_URL is not set, so the links in the emails this command wrote point to ${publicUrlOf(config)}; ` +
      'set PUBLIC_URL to the address people use to reach the server.\n',
  );
}

/** `open`, with a check at close: if the command wrote emails, warn as above. */
export function warningOnEmails(open: (opts?: RuntimeOptions) => Promise<Runtime>): (opts?: RuntimeOptions) => Promise<Runtime> {
  return async (opts) => {
    const runtime = await open(opts);
    const close = runtime.close;
    runtime.close = () => {
      try {
        if (runtime.reminders.outbox.enqueuedCount() > 0) warnWithoutPublicUrl(runtime.config);
      } finally {
        close();
      }
    };
    return runtime;
  };
}
