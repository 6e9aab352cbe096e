import type { AnyEventObject } from 'xstate';
import type { EngineHooks, TransitionRecord } from '../../engine/engine';
import { officeMachine } from '../../machines/office';

type InspectModule = typeof import('@statelyai/inspect');
type WebSocketInspector = ReturnType<InspectModule['createWebSocketInspector']>;

export interface InspectionBridge {
  hooks: EngineHooks;
  /** Resolves once `@statelyai/inspect` is loaded and connecting. */
  ready: Promise<void>;
  stop(): void;
}

const MAX_PENDING = 10_000;

/**
 * Streams every committed transition to a Stately inspector (or any WebSocket listener) as XState
 * inspection events: each office is an actor (`@xstate.actor` with the machine definition, once per
 * office and process), then per transition its `@xstate.event` and the resulting `@xstate.snapshot`.
 * `@statelyai/inspect` is ESM-only and loaded with `import()` only here, so nothing is paid when
 * INSPECT_URL is not set.
 */
export function createInspectionBridge(url: string, onError: (error: unknown) => void = warnOnce): InspectionBridge {
  let inspector: WebSocketInspector | undefined;
  let stopped = false;
  const pending: TransitionRecord[] = [];
  const announced = new Set<string>();

  const actorRef = (officeId: string) => ({
    sessionId: sessionOf(officeId),
    id: officeId,
    logic: officeMachine,
    send: () => {},
    getSnapshot: () => undefined,
  });

  const emit = (record: TransitionRecord) => {
    const target = inspector!;
    const { office, entry, before, after } = record;
    const sessionId = sessionOf(office.id);
    if (!announced.has(office.id)) {
      announced.add(office.id);
      // First sight of this office in this process: register it in the state it was in before.
      target.actor(actorRef(office.id) as unknown as Parameters<WebSocketInspector['actor']>[0], inspected(before ?? after));
    }
    if (before === null) return; // registration: the actor event above is the whole story
    const event = { type: entry.type, ...entry.payload } as AnyEventObject;
    target.event(sessionId, event, { source: `actor:${entry.actor}` });
    target.snapshot(sessionId, inspected(after), { event });
  };

  const ready = import('@statelyai/inspect').then(
    ({ createWebSocketInspector }) => {
      if (stopped) return;
      inspector = createWebSocketInspector({ url, maxDeferredEvents: 1000 });
      for (const record of pending.splice(0)) emit(record);
    },
    (error: unknown) => {
      onError(error);
    },
  );

  return {
    hooks: {
      afterCommit(record) {
        if (stopped) return;
        try {
          if (inspector) emit(record);
          else if (pending.length < MAX_PENDING) pending.push(record);
        } catch (error) {
          onError(error);
        }
      },
    },
    ready,
    stop() {
      stopped = true;
      inspector?.stop();
    },
  };
}

export const sessionOf = (officeId: string) => `office:${officeId}`;

function inspected(snapshot: TransitionRecord['after']) {
  return { status: snapshot.status, value: snapshot.value, context: snapshot.context };
}

let warned = false;
/** Inspection is a debugging aid: a failure is reported once and never disturbs a transition. */
function warnOnce(error: unknown): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`live inspection failed: ${error instanceof Error ? error.message : String(error)}`);
}
