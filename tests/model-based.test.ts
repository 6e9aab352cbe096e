/**
 * Model-based test: @xstate/graph walks the office machine and yields, for each track, a set of
 * event paths that together take every transition of the reachable state graph (and so visit every
 * state). Each path is driven through the real HTTP API against a real SQLite file, and at every
 * step the API's `stage`, `states`, `allowedEvents`, `context` and `version` must equal what the
 * machine itself computes. At the end every state node and every transition of `describeMachine()`
 * must have been seen: a state or transition added to the chart cannot be left untested.
 */
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { verify } from '../engine/verify';
import { allStates, describeMachine, type StateDescription } from '../machines/describe';
import { eventPayloads, officeEventTypes, type OfficeEvent } from '../machines/events';
import { officeMachine, type Track } from '../machines/office';
import { sampleEvent, samplePayloads } from './fixtures/events';
import { api, startServer, type TestServer } from './helpers/server';

type Snapshot = SnapshotFrom<typeof officeMachine>;

const TRACKS: Track[] = ['kit', 'internet'];
const sampleEvents = officeEventTypes.map(sampleEvent);

// Worked out independently of engine/snapshot.ts, from XState's own active nodes in document order.
const nodesOf = (s: Snapshot) => [...s._nodes].sort((a, b) => a.order - b.order);
const leafPathsOf = (s: Snapshot) =>
  nodesOf(s)
    .filter((n) => n.type === 'atomic' || n.type === 'final')
    .map((n) => n.path.join('.'));
const activePathsOf = (s: Snapshot) =>
  nodesOf(s)
    .map((n) => n.path.join('.'))
    .filter((p) => p !== '');
const allowedOf = (s: Snapshot) =>
  s.status === 'active' ? sampleEvents.filter((e) => s.can(e)).map((e) => e.type).sort() : [];
// States are told apart by value only: context (reasons, workshop ids) does not change the chart.
const serializeState = (s: Snapshot) => JSON.stringify(s.value);

interface ModelPath {
  track: Track;
  events: OfficeEvent[];
  name: string;
}

/** One path per transition: the shortest path to its source state, then the transition. */
function pathsFor(track: Track): ModelPath[] {
  const options = { input: { track }, events: sampleEvents, serializeState };
  const shortest = new Map<string, OfficeEvent[]>();
  for (const p of getShortestPaths(officeMachine, options)) {
    shortest.set(serializeState(p.state), p.steps.map((s) => s.event).filter((e) => (e as { type: string }).type !== 'xstate.init'));
  }
  // `can()` does not look at the status: a finished office takes nothing (WITHDRAWN included).
  const edges = adjacencyMapToArray(getAdjacencyMap(officeMachine, options)).filter(
    (e) => e.state.status === 'active' && e.state.can(e.event),
  );
  const candidates = edges.map((edge) => {
    const head = shortest.get(serializeState(edge.state));
    if (!head) throw new Error(`no path to ${serializeState(edge.state)}`);
    return [...head, edge.event];
  });
  // A path that is the start of a longer one adds nothing: drop it.
  const key = (events: OfficeEvent[]) => events.map((e) => e.type).join(' ') + ' ';
  const keys = candidates.map(key);
  return candidates
    .filter((_, i) => !keys.some((other, j) => j !== i && other.length > keys[i]!.length && other.startsWith(keys[i]!)))
    .filter((events, i, all) => all.findIndex((o) => key(o) === key(events)) === i)
    .map((events) => withPrerequisites(track, events))
    .map((events) => ({ track, events, name: `${track}: ${events.map((e) => e.type).join(' → ')}` }));
}

const SECOND_FOCAL_POINT: OfficeEvent = { type: 'FOCAL_POINT_NOMINATED', name: 'Second Focal Point', email: 'second.fp@example.org' };

/**
 * Rules that live beside the machine, not in it: the programme's focal-point register refuses an
 * ENROLLED that enrols nobody, so a further ENROLLED while `enrolled` first nominates someone new
 * (itself a transition of the machine, replayed and checked like the others).
 */
function withPrerequisites(track: Track, events: OfficeEvent[]): OfficeEvent[] {
  let snapshot = initialTransition(officeMachine, { track })[0];
  const out: OfficeEvent[] = [];
  for (const event of events) {
    const needs = event.type === 'ENROLLED' && snapshot.matches({ preparing: { training: 'enrolled' } }) ? [SECOND_FOCAL_POINT] : [];
    for (const e of [...needs, event]) {
      snapshot = transition(officeMachine, snapshot, e)[0];
      out.push(e);
    }
  }
  return out;
}

const paths = TRACKS.flatMap(pathsFor);

// ---- coverage of describeMachine(), filled in as the API confirms each step ----------------------
const description = describeMachine();
const transitionKey = (source: string, event: string, targets: string[]) => `${source || '(root)'} --${event}--> ${targets.join(', ')}`;

function describedTransitions(node: StateDescription): string[] {
  return [
    ...[...node.transitions, ...node.done].map((t) => transitionKey(node.path, t.event, t.targets)),
    ...node.states.flatMap(describedTransitions),
  ];
}

const coveredStates = new Set<string>();
const coveredTransitions = new Set<string>();

function recordCoverage(before: Snapshot, event: OfficeEvent, after: Snapshot): void {
  for (const p of activePathsOf(after)) coveredStates.add(p);
  for (const t of officeMachine.getTransitionData(before, event)) {
    coveredTransitions.add(transitionKey(t.source.path.join('.'), t.eventType, (t.target ?? []).map((n) => n.path.join('.'))));
  }
  // A parallel state's onDone is taken by XState's internal done event, right after the event.
  for (const node of allStates(description.root)) {
    if (node.done.length === 0) continue;
    const wasIn = activePathsOf(before).includes(node.path);
    const leftFor = node.done.find((d) => d.targets.every((t) => activePathsOf(after).includes(t)));
    if (wasIn && leftFor && event.type !== 'WITHDRAWN') coveredTransitions.add(transitionKey(node.path, leftFor.event, leftFor.targets));
  }
}

// ---- the HTTP side --------------------------------------------------------------------------------
let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

interface OfficeBody {
  id: string;
  stage: string;
  states: string[];
  allowedEvents: string[];
  context: unknown;
  version: number;
  track: Track;
}

function expectMatches(body: OfficeBody, snapshot: Snapshot, version: number): void {
  expect({
    stage: body.stage,
    states: body.states,
    allowedEvents: [...body.allowedEvents].sort(),
    context: body.context,
    version: body.version,
  }).toEqual({
    stage: leafPathsOf(snapshot)[0]!.split('.')[0],
    states: leafPathsOf(snapshot),
    allowedEvents: allowedOf(snapshot),
    context: snapshot.context,
    version,
  });
}

test('every sample payload is valid for its event type', () => {
  for (const type of officeEventTypes) expect(eventPayloads[type].safeParse(samplePayloads[type]).success).toBe(true);
});

test('the generated paths are a real walk of the machine', () => {
  expect(paths.length).toBeGreaterThan(20);
  for (const track of TRACKS) expect(paths.some((p) => p.track === track)).toBe(true);
});

test.each(paths.map((p) => [p.name, p] as const))('%s', async (_name, path) => {
  const registered = await api<OfficeBody>(server.url, 'POST', '/api/offices', {
    name: `Model ${path.track}`,
    country: 'CH',
    track: path.track,
  });
  expect(registered.status).toBe(201);
  const id = registered.body.id;
  let snapshot = initialTransition(officeMachine, { track: path.track })[0];
  expectMatches(registered.body, snapshot, 0);
  for (const p of activePathsOf(snapshot)) coveredStates.add(p);

  for (const [index, event] of path.events.entries()) {
    const res = await api<OfficeBody>(server.url, 'POST', `/api/offices/${id}/events`, event, { 'If-Match': `"${index}"` });
    expect({ step: index + 1, event: event.type, status: res.status }).toEqual({ step: index + 1, event: event.type, status: 200 });
    expect(res.headers.get('etag')).toBe(`"${index + 1}"`);
    const next = transition(officeMachine, snapshot, event)[0];
    expectMatches(res.body, next, index + 1);
    recordCoverage(snapshot, event, next);
    snapshot = next;
  }

  const office = await api<OfficeBody>(server.url, 'GET', `/api/offices/${id}`);
  expectMatches(office.body, snapshot, path.events.length);
  const history = await api<{ events: { seq: number; type: string; payload: unknown }[] }>(
    server.url,
    'GET',
    `/api/offices/${id}/history`,
  );
  expect(history.body.events.map((e) => e.type)).toEqual(['REGISTERED', ...path.events.map((e) => e.type)]);
  expect(history.body.events.slice(1).map((e) => e.payload)).toEqual(path.events.map(({ type: _t, ...payload }) => payload));
});

test('the paths covered every state node and every transition of describeMachine()', () => {
  const everyState = allStates(description.root).map((s) => s.path).sort();
  expect(everyState.filter((s) => !coveredStates.has(s))).toEqual([]);
  const everyTransition = [...new Set(describedTransitions(description.root))].sort();
  expect(everyTransition.filter((t) => !coveredTransitions.has(t))).toEqual([]);
  // …and nothing was taken that the description does not list.
  expect([...coveredTransitions].filter((t) => !everyTransition.includes(t))).toEqual([]);
});

test('verify replays every office the model drove and finds no difference', async () => {
  const report = await verify(server.runtime.store);
  expect(report.offices).toBe(paths.length);
  expect(report.differences).toEqual([]);
});
