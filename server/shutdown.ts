import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Runtime } from '../app/runtime';

export interface ShutdownOptions {
  /** How long requests in flight may take to finish before their connections are cut. */
  graceMs?: number;
  /** Called last with the exit code (process.exit in the server). */
  exit: (code: number) => void;
}

/**
 * A clean stop on SIGTERM or SIGINT: stop accepting connections, end the live streams (they never
 * end by themselves), let every request in flight get its answer (group commit answers only after
 * its commit, so that is also the commit in flight), stop the scheduler and the dispatcher between
 * batches and messages, then close the database, which checkpoints the WAL. A request still running
 * after `graceMs` has its connection cut; the database is closed all the same, which is safe since
 * every transaction is synchronous and so never open between two callbacks.
 */
export function installShutdown(server: Server, runtime: Runtime, logger: Logger, options: ShutdownOptions): (signal: string) => Promise<void> {
  const graceMs = options.graceMs ?? 10_000;
  let stopping: Promise<void> | null = null;

  const stop = async (signal: string): Promise<void> => {
    logger.info(`${signal}: shutting down (requests in flight finish first)`);
    runtime.live.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections become idle as their last answer is sent: close each one then.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const grace = setTimeout(() => {
      logger.warn(`requests still running after ${graceMs} ms: closing their connections`);
      server.closeAllConnections();
    }, graceMs);
    try {
      server.closeIdleConnections();
      await closed;
    } finally {
      clearInterval(idle);
      clearTimeout(grace);
    }
    let code = 0;
    try {
      await Promise.all([runtime.reminders.stop(), runtime.webhooks.stop(), runtime.mailbox.stop(), runtime.broadcasts.stop()]);
    } catch (error) {
      logger.error({ err: error }, 'stopping the reminders failed');
      code = 1;
    }
    try {
      runtime.close();
      logger.info('database closed; stopped');
    } catch (error) {
      logger.error({ err: error }, 'closing the database failed');
      code = 1;
    }
    options.exit(code);
  };

  return (signal: string) => {
    if (stopping) {
      logger.info(`${signal}: already shutting down`);
      return stopping;
    }
    stopping = stop(signal);
    return stopping;
  };
}
