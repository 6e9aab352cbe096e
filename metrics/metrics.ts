import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../engine/clock';
import type { EngineHooks } from '../engine/engine';
import type { MailTransport } from '../notifications/transport';
import { isPermanentFailure } from '../notifications/transport';
import { officesByStage, outboxByStatus, OWNERS, schedulerLagSeconds, stalledByOwner, type FigureSources } from './figures';

/**
 * Every Prometheus metric of one runtime, in its own registry (tests run several runtimes in one
 * process). Labels are bounded sets (event types, stages, statuses, routes): never an office id.
 */
export function createMetrics(sources: FigureSources, clock: Clock) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const transitions = new Counter({
    name: 'onboarding_transitions_total',
    help: 'Committed office transitions (registrations included), by event type.',
    labelNames: ['type'] as const,
    registers,
  });
  const transitionDuration = new Histogram({
    name: 'onboarding_transition_duration_seconds',
    help: 'From loading the office to the commit of the transaction that stored its transition.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const commitBatch = new Histogram({
    name: 'onboarding_commit_batch_size',
    help: 'Transitions stored by one committed transaction (group commit batches them).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  new Gauge({
    name: 'onboarding_offices',
    help: 'Offices per top-level stage.',
    labelNames: ['stage'] as const,
    registers,
    async collect() {
      this.reset();
      for (const [stage, n] of Object.entries(await officesByStage(sources, clock.now()))) this.set({ stage }, n);
    },
  });
  new Gauge({
    name: 'onboarding_stalled_offices',
    help: 'Offices past an SLA deadline, by who they wait on (office or wipo).',
    labelNames: ['owner'] as const,
    registers,
    async collect() {
      const counts = await stalledByOwner(sources, clock.now());
      for (const owner of OWNERS) this.set({ owner }, counts[owner]);
    },
  });
  new Gauge({
    name: 'onboarding_outbox_messages',
    help: 'Emails in the outbox, by status.',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      for (const [status, n] of Object.entries(await outboxByStatus(sources))) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'onboarding_scheduler_lag_seconds',
    help: 'Age of the oldest reminder timer that is due and not fired yet (0 when none is).',
    registers,
    async collect() {
      this.set(await schedulerLagSeconds(sources, clock.now()));
    },
  });
  const emailSend = new Histogram({
    name: 'onboarding_email_send_duration_seconds',
    help: 'Time to hand one email to the mail transport, successful or not.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const emailFailures = new Counter({
    name: 'onboarding_email_failures_total',
    help: 'Failed email send attempts, by reason (rejected: a 5xx answer; timeout; connection; other).',
    labelNames: ['reason'] as const,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: 'onboarding_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (delivered, failed: a non-2xx answer, error: no answer, refused: a forbidden address).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, declared route (never the raw path) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const hooks: EngineHooks = {
    afterCommit(record) {
      transitions.inc({ type: record.entry.type });
      if (record.startedAt !== undefined) transitionDuration.observe((performance.now() - record.startedAt) / 1000);
    },
    afterCommitBatch(records) {
      commitBatch.observe(records.length);
    },
  };

  /** Times every send of the transport the dispatcher uses, and counts its failures by reason. */
  function instrumentTransport(transport: MailTransport): void {
    const send = transport.send.bind(transport);
    // Replaced in place: the dispatcher already holds this object.
    transport.send = async (message) => {
      const end = emailSend.startTimer();
      try {
        await send(message);
      } catch (error) {
        emailFailures.inc({ reason: failureReason(error) });
        throw error;
      } finally {
        end();
      }
    };
  }

  return { registry, hooks, instrumentTransport, webhookDeliveries, httpDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;

function failureReason(error: unknown): string {
  if (isPermanentFailure(error)) return 'rejected';
  const code = String((error as { code?: unknown }).code ?? '');
  if (/TIMEDOUT|ETIMEDOUT/.test(code) || /timeout/i.test((error as Error).message ?? '')) return 'timeout';
  if (/ECONN|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ESOCKET|ECONNECTION|EDNS/.test(code)) return 'connection';
  return 'other';
}
