import type { Clock } from '../engine/clock';
import type { EngineHooks, TransitionRecord } from '../engine/engine';
import { newMessageId } from './signature';
import type { Subscription, WebhookStore } from '../storage/webhook-store';

const DAY_MS = 86_400_000;

function matches(sub: Subscription, record: TransitionRecord): boolean {
  const { eventTypes, stages } = sub.filter;
  return (eventTypes.length === 0 || eventTypes.includes(record.entry.type)) && (stages.length === 0 || stages.includes(record.office.stage));
}

/** The `office.transition` body: the office after it, the event, and who sent it from which request. */
export function transitionBody(record: TransitionRecord): string {
  const { office, entry } = record;
  return JSON.stringify({
    type: 'office.transition',
    timestamp: entry.at,
    data: {
      office: { id: office.id, name: office.name, country: office.country, stage: office.stage, states: office.states, version: office.version },
      event: { type: entry.type, payload: entry.payload },
      from: entry.from,
      to: entry.to,
      actor: entry.actor,
      requestId: entry.requestId ?? null,
    },
  });
}

/**
 * Writes one delivery per matching subscription in the transition's own transaction (none for a
 * change that rolls back), and wakes the dispatcher once the change has committed.
 */
export function webhookHooks(store: WebhookStore, clock: Clock, wake: () => void): EngineHooks {
  let written = false;
  return {
    async inTransaction(record) {
      const subs = (await store.transitionSubscriptions()).filter((sub) => matches(sub, record));
      if (subs.length === 0) return;
      const body = transitionBody(record);
      // Written now, even for an imported event of the past: the retry window starts today.
      const now = clock.now();
      const at = now.toISOString();
      const retryUntil = new Date(now.getTime() + DAY_MS).toISOString();
      for (const sub of subs) {
        await store.enqueue({ messageId: newMessageId(), subscriptionId: sub.id, eventType: 'office.transition', body, at, retryUntil });
      }
      written = true;
    },
    afterCommitBatch() {
      if (!written) return;
      written = false;
      wake();
    },
  };
}
