import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { describeMachine, type MachineDescription, type StateDescription } from '../../machines/describe';

/**
 * Lays out the office statechart with elkjs, from `describeMachine()` only: states become nodes
 * (compound and parallel states become containers, parallel regions side by side), transitions
 * become labelled edges. The layout depends on nothing but the machine, so it is computed once per
 * process and cached; pages only colour it.
 */

export interface LaidOutNode {
  /** Dotted state path ("" for the root); initial markers use `${parent}#initial`. */
  path: string;
  kind: 'state' | 'initial';
  state?: StateDescription;
  /** The parent is parallel: this node is one of its regions. */
  region: boolean;
  depth: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutEdge {
  id: string;
  /** Source state path (or an initial marker). */
  source: string;
  target: string;
  /** Event type, "" for an initial arrow, "done" for a completion (`onDone`) transition. */
  event: string;
  label: string;
  guarded: boolean;
  /** Polyline through start, bend points and end. */
  points: { x: number; y: number }[];
  labelBox?: { x: number; y: number; width: number; height: number };
}

export interface MachineLayout {
  machine: MachineDescription;
  width: number;
  height: number;
  /** Outermost first, so containers are drawn under their children. */
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  /** Transitions declared on the root (e.g. WITHDRAWN): taken from any state, drawn as a note. */
  fromAnyState: { event: string; label: string; targets: string[] }[];
}

const CHAR_WIDTH = 7.4;
const LEAF_HEIGHT = 70;
const LEAF_MIN_WIDTH = 152;
const HEADER = 30;
const EDGE_CHAR_WIDTH = 6.2;

/** "SITE_DIFFICULTY" → "Site difficulty": the label every view uses for an event type. */
export function eventLabel(type: string): string {
  const lower = type.toLowerCase().replace(/_/g, ' ');
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

const initialId = (path: string) => `${path}#initial`;
const nodeId = (path: string) => (path === '' ? '#root' : path);

function toElkNode(state: StateDescription): ElkNode {
  const labelWidth = state.meta.label.length * CHAR_WIDTH + 28;
  if (state.states.length === 0) {
    return { id: nodeId(state.path), width: Math.max(LEAF_MIN_WIDTH, labelWidth), height: LEAF_HEIGHT };
  }
  // ELK's model order runs the other way round in this layout: declared-first ends up left and on top this way.
  const children: ElkNode[] = [...state.states].reverse().map(toElkNode);
  if (state.type === 'compound' && state.initial) children.unshift({ id: initialId(state.path), width: 12, height: 12 });
  return {
    id: nodeId(state.path),
    children,
    layoutOptions: {
      'elk.padding': `[top=${HEADER + 10},left=14,bottom=14,right=14]`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      'elk.nodeSize.minimum': `(${Math.max(160, labelWidth + 80)},80)`,
    },
  };
}

function collectEdges(state: StateDescription, edges: ElkExtendedEdge[], meta: Map<string, Omit<LaidOutEdge, 'points' | 'labelBox'>>): void {
  const add = (source: string, target: string, event: string, label: string, guarded: boolean) => {
    const id = `e${edges.length}`;
    const width = label.length * EDGE_CHAR_WIDTH + 8;
    edges.push({
      id,
      sources: [source],
      targets: [target],
      labels: label ? [{ id: `${id}l`, text: label, width, height: 16 }] : [],
    });
    meta.set(id, { id, source, target, event, label, guarded });
  };
  if (state.path !== '') {
    for (const t of state.transitions) for (const target of t.targets) add(state.path, target, t.event, eventLabel(t.event), t.guarded);
    for (const t of state.done) for (const target of t.targets) add(state.path, target, 'done', 'when done', t.guarded);
  }
  if (state.type === 'compound' && state.initial) {
    const target = state.states.find((s) => s.key === state.initial)!.path;
    add(initialId(state.path), target, '', '', false);
  }
  for (const child of state.states) collectEdges(child, edges, meta);
}

function flatten(
  elk: ElkNode,
  states: Map<string, StateDescription>,
  out: LaidOutNode[],
  depth: number,
  parentParallel: boolean,
): void {
  for (const child of elk.children ?? []) {
    const isInitial = child.id.endsWith('#initial');
    const state = isInitial ? undefined : states.get(child.id);
    out.push({
      path: child.id,
      kind: isInitial ? 'initial' : 'state',
      state,
      region: parentParallel && !isInitial,
      depth,
      x: child.x ?? 0,
      y: child.y ?? 0,
      width: child.width ?? 0,
      height: child.height ?? 0,
    });
    flatten(child, states, out, depth + 1, state?.type === 'parallel');
  }
}

export async function computeLayout(machine: MachineDescription = describeMachine()): Promise<MachineLayout> {
  const states = new Map<string, StateDescription>();
  const walk = (s: StateDescription) => {
    states.set(s.path, s);
    s.states.forEach(walk);
  };
  walk(machine.root);

  const edges: ElkExtendedEdge[] = [];
  const edgeMeta = new Map<string, Omit<LaidOutEdge, 'points' | 'labelBox'>>();
  collectEdges(machine.root, edges, edgeMeta);
  // The root's own transitions (WITHDRAWN) leave every state: a note, not dozens of arrows.
  const fromAnyState = machine.root.transitions.map((t) => ({ event: t.event, label: eventLabel(t.event), targets: t.targets }));

  const rootChildren = [...machine.root.states].reverse().map(toElkNode);
  if (machine.root.initial) rootChildren.unshift({ id: initialId(''), width: 12, height: 12 });
  const graph: ElkNode = {
    id: '#root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '38',
      'elk.spacing.nodeNode': '26',
      'elk.spacing.edgeLabel': '3',
      'elk.spacing.edgeNode': '14',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
      // Keep the order the chart declares its states in: the lifecycle reads left to right, top to bottom.
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
    },
    children: rootChildren,
    edges,
  };
  const elk = new ELK();
  const laid = await elk.layout(graph);

  const nodes: LaidOutNode[] = [];
  flatten(laid, states, nodes, 0, false);

  const laidEdges: LaidOutEdge[] = [];
  for (const edge of laid.edges ?? []) {
    const meta = edgeMeta.get(edge.id)!;
    const section = edge.sections?.[0];
    if (!section) continue;
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    const label = edge.labels?.[0];
    laidEdges.push({
      ...meta,
      points,
      labelBox:
        label && label.x !== undefined && label.y !== undefined
          ? { x: label.x, y: label.y, width: label.width ?? 0, height: label.height ?? 0 }
          : undefined,
    });
  }
  return { machine, width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges: laidEdges, fromAnyState };
}

let cached: Promise<MachineLayout> | undefined;

/** The layout of the shipped machine, computed on first use and kept for the life of the process. */
export function machineLayout(): Promise<MachineLayout> {
  cached ??= computeLayout().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
