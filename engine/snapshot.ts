import { createActor, initialTransition, type SnapshotFrom, type StateValue } from 'xstate';
import { officeEventTypes, type OfficeEventType } from '../machines/events';
import { eventsByState } from '../machines/describe';
import { officeMachine, type OfficeInput } from '../machines/office';
import type { ActiveNode, StoredSnapshot } from '../storage/types';

export type OfficeSnapshot = SnapshotFrom<typeof officeMachine>;

export type { ActiveNode, StoredSnapshot };

export function toStored(snapshot: OfficeSnapshot): StoredSnapshot {
  return {
    value: snapshot.value,
    context: snapshot.context,
    status: snapshot.status === 'done' ? 'done' : 'active',
  };
}

export function fromStored(stored: StoredSnapshot): OfficeSnapshot {
  return officeMachine.resolveState({ value: stored.value, context: stored.context });
}

export function initialSnapshot(input: OfficeInput): OfficeSnapshot {
  return initialTransition(officeMachine, input)[0];
}

type ActorScope = Parameters<typeof officeMachine.transition>[2];
let inertScope: ActorScope | undefined;

/**
 * The snapshot after `event`, as XState's pure `transition()` computes it, the actions not run.
 * `transition()` builds a throwaway actor for its scope on every call, and constructing it runs the
 * machine's initial transition: about a third of each call. The machine spawns and invokes nothing,
 * so one inert scope, made once, serves every call; its executor drops the actions as the engine
 * always did with the ones `transition()` returns. Answers `before` itself when nothing is enabled.
 */
export function nextSnapshot(before: OfficeSnapshot, event: Parameters<OfficeSnapshot['can']>[0]): OfficeSnapshot {
  inertScope ??= inertScopeOf();
  return officeMachine.transition(before, event, inertScope);
}

function inertScopeOf(): ActorScope {
  const self = createActor(officeMachine, { input: { track: 'kit' } });
  return {
    self,
    id: '',
    sessionId: '',
    system: self.system,
    defer: () => {},
    logger: () => {},
    stopChild: () => {},
    emit: () => {},
    actionExecutor: () => {},
  };
}


export function activeNodes(value: StateValue, prefix = ''): ActiveNode[] {
  if (typeof value === 'string') return [{ path: prefix + value, isLeaf: true }];
  const nodes: ActiveNode[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix + key;
    if (child === undefined) continue;
    if (typeof child === 'object' && Object.keys(child).length === 0) {
      nodes.push({ path, isLeaf: true });
      continue;
    }
    nodes.push({ path, isLeaf: false });
    nodes.push(...activeNodes(child, path + '.'));
  }
  return nodes;
}

/**
 * When the office entered each active node after a transition at `at`: nodes that stay active keep
 * their time, the others take `at`. Registration is a transition from nothing.
 */
export function enteredAtAfter(before: Record<string, string>, nodes: readonly ActiveNode[], at: string): Record<string, string> {
  return Object.fromEntries(nodes.map(({ path }) => [path, before[path] ?? at]));
}

export function leafPaths(value: StateValue): string[] {
  return activeNodes(value)
    .filter((n) => n.isLeaf)
    .map((n) => n.path);
}

export function stageOf(value: StateValue): string {
  return typeof value === 'string' ? value : Object.keys(value)[0]!;
}

const EVENTS_BY_STATE = eventsByState();

/**
 * Events the snapshot would take now; a finished office takes none. Only the events the chart
 * gives its active leaves are asked of `can()` (a handful, not every type): every response that
 * shows an office lists them.
 */
export function allowedEvents(snapshot: OfficeSnapshot): OfficeEventType[] {
  if (snapshot.status !== 'active') return [];
  const candidates = new Set(leafPaths(snapshot.value).flatMap((path) => [...(EVENTS_BY_STATE.get(path) ?? [])]));
  return officeEventTypes.filter((type) => candidates.has(type) && snapshot.can(sampleEvent(type)));
}

// Guards read only context, never payload fields, so a type-only event answers `can()` truthfully.
function sampleEvent(type: OfficeEventType) {
  return { type } as Parameters<OfficeSnapshot['can']>[0];
}
