import { loadHistory } from '../analytics/episodes';
import pino from 'pino';
import { loadConfig } from '../config/env';
import { openRuntime } from '../app/runtime';
import { loadDemoData } from '../demo/load';
import { createApp } from './app';
import { ensureAdminAccount } from './auth/bootstrap';
import { installShutdown } from './shutdown';
import { publicUrlOf } from '../notifications/addresses';
import { startTracing } from '../observability/tracing';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.LOG_LEVEL });
  // Before the runtime, so the transitions of the start-up (demo data, focal points) are traced too.
  const tracing = await startTracing(process.env);
  const runtime = await openRuntime(config);
  if (tracing) runtime.engine.addHooks(tracing.hooks);
  if (process.argv.includes('--demo') || config.DEMO_DATA === 'auto') {
    const loaded = await loadDemoData(runtime);
    logger.info(loaded ? `demo data loaded: ${loaded.offices} offices, ${loaded.events} events` : 'database not empty: demo data not loaded');
  }
  const { app, auth } = createApp(runtime, logger, { tracing });
  const admin = await ensureAdminAccount(auth.accounts, config.ADMIN_PASSWORD, runtime.engine.clock.now());
  if (admin?.generatedPassword) {
    // Printed once, on the console only: it is not stored anywhere but as a hash.
    console.log(`\nFirst start: sign in as "${admin.username}" with password ${admin.generatedPassword}\n(change it, or set ADMIN_PASSWORD before the first start)\n`);
  } else if (admin) {
    logger.info(`first start: account "${admin.username}" created with ADMIN_PASSWORD`);
  }
  // Timers that fell due while the server was down fire in this first pass; mail goes out beside requests.
  runtime.reminders.start(logger);
  runtime.webhooks.start(logger);
  runtime.mailbox.start(logger);
  runtime.broadcasts.start(logger);
  const server = app.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info({ port, database: config.DATABASE_PATH }, `office-onboarding listening on http://${config.HOST}:${port}/`);
    if (!config.PUBLIC_URL) logger.warn({ publicUrl: publicUrlOf(config) }, 'PUBLIC_URL is not set: links in emails use this address');
    // The episodes behind analytics and the forecast are built once, now, rather than by the first
    // manager to open a page (seconds at 100,000 offices); later requests only extend them.
    const started = performance.now();
    loadHistory(runtime.storage.history).then(
      (h) => logger.info({ stays: h.leaves.length, ms: Math.round(performance.now() - started) }, 'analytics history loaded'),
      (error: unknown) => logger.warn({ err: error }, 'loading the analytics history at start failed; the first analytics request loads it'),
    );
  });
  if (tracing) logger.info('OpenTelemetry traces are sent to OTEL_EXPORTER_OTLP_ENDPOINT');
  // The spans still buffered go out before the process exits.
  const exit = (code: number) => void (tracing?.shutdown() ?? Promise.resolve()).catch((error: unknown) => logger.error({ err: error }, 'sending the last spans failed')).finally(() => process.exit(code));
  const shutdown = installShutdown(server, runtime, logger, { exit });
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
