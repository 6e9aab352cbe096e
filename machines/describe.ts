import type { AnyStateNode } from 'xstate';
import { z } from 'zod';
import { eventPayloads, type OfficeEventType } from './events';
import type { ReminderPolicy, StateMeta } from './meta';
import { officeMachine, OFFICE_MACHINE_VERSION } from './office';

export interface TransitionDescription {
  event: string;
  /** Dotted paths of the target states, e.g. "preparing.site.blocked". */
  targets: string[];
  guarded: boolean;
}

export interface StateDescription {
  key: string;
  /** Dotted path from the root, e.g. "preparing.site.blocked"; the id every view uses. */
  path: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  initial: string | null;
  meta: StateMeta;
  transitions: TransitionDescription[];
  /** Where the state goes when its regions are done (`onDone`). */
  done: TransitionDescription[];
  states: StateDescription[];
}

export interface MachineDescription {
  id: string;
  version: number;
  root: StateDescription;
  events: Record<OfficeEventType, { payload: unknown }>;
}

const pathOf = (node: AnyStateNode): string => node.path.join('.');

function describeTransitions(node: AnyStateNode): { on: TransitionDescription[]; done: TransitionDescription[] } {
  const on: TransitionDescription[] = [];
  const done: TransitionDescription[] = [];
  for (const [event, list] of node.transitions) {
    for (const t of list) {
      const description = {
        event,
        targets: (t.target ?? []).map(pathOf),
        guarded: Boolean(t.guard),
      };
      (event.startsWith('xstate.done.state.') ? done : on).push(description);
    }
  }
  return { on, done };
}

/** Effective reminder policy per state path, replacing the defaults in `meta.reminders`. */
export type PolicyLookup = ReadonlyMap<string, ReminderPolicy>;

function describeState(node: AnyStateNode, policies?: PolicyLookup): StateDescription {
  const { on, done } = describeTransitions(node);
  const initialTarget = node.type === 'compound' ? node.initial?.target?.[0] : undefined;
  return {
    key: node.key,
    path: pathOf(node),
    type: node.type,
    initial: initialTarget ? initialTarget.key : null,
    meta: policies ? withPolicy(node.meta as StateMeta, policies.get(pathOf(node))) : (node.meta as StateMeta),
    transitions: on,
    done,
    states: Object.values(node.states).map((child) => describeState(child, policies)),
  };
}

/** The whole chart as plain JSON: the API, the docs and the dashboard's diagram all read this. */
function withPolicy(meta: StateMeta | undefined, policy: ReminderPolicy | undefined): StateMeta {
  if (!meta) return meta as unknown as StateMeta; // the root carries no meta
  const { reminders: _default, ...rest } = meta;
  return policy ? { ...rest, reminders: policy } : rest;
}

/** `policies`: the effective reminder policies to show instead of the machine's defaults. */
export function describeMachine(policies?: PolicyLookup): MachineDescription {
  const events = Object.fromEntries(
    Object.entries(eventPayloads).map(([type, schema]) => [type, { payload: z.toJSONSchema(schema, { io: 'input' }) }]),
  ) as MachineDescription['events'];
  return { id: officeMachine.id, version: OFFICE_MACHINE_VERSION, root: describeState(officeMachine.root, policies), events };
}

/** Every state node, depth first, root excluded. */
export function allStates(root: StateDescription = describeMachine().root): StateDescription[] {
  return root.states.flatMap((s) => [s, ...allStates(s)]);
}

/**
 * The events each state path has a transition for, its own and its ancestors' (the root's
 * included): a superset of what an office in that state can take, before guards.
 */
export function eventsByState(root: StateDescription = describeMachine().root): ReadonlyMap<string, ReadonlySet<string>> {
  const events = new Map<string, Set<string>>();
  const walk = (state: StateDescription, inherited: ReadonlySet<string>) => {
    const own = new Set([...inherited, ...state.transitions.map((t) => t.event)]);
    events.set(state.path, own);
    for (const child of state.states) walk(child, own);
  };
  const rootEvents = new Set(root.transitions.map((t) => t.event));
  for (const state of root.states) walk(state, rootEvents);
  return events;
}

/** The top-level stage a state path belongs to (`site.survey` → `site`). */
export const stageOfPath = (path: string): string => path.split('.')[0]!;
