import { isDeepStrictEqual } from 'node:util';
import { transition } from 'xstate';
import { isOfficeEventType, parseOfficeEvent } from '../machines/events';
import { officeMachine } from '../machines/office';
import type { OfficeStore } from '../storage/types';
import { REGISTERED } from './engine';
import { activeNodes, enteredAtAfter, initialSnapshot, leafPaths, toStored } from './snapshot';

export interface VerifyDifference {
  officeId: string;
  problem: string;
}

export interface VerifyReport {
  offices: number;
  events: number;
  differences: VerifyDifference[];
}

/** Rebuilds every office by replaying its history through the machine and compares with what is stored. */
export async function verify(store: OfficeStore): Promise<VerifyReport> {
  const report: VerifyReport = { offices: 0, events: 0, differences: [] };
  // officeIds() iterates an open statement, so the whole pass reads one snapshot of the database:
  // a transition the server commits meanwhile is not half seen (tests/verify.test.ts).
  let storedRows: number | undefined;
  let expectedRows = 0;
  for (const id of await store.officeIds()) {
    // Counted inside the same read as the offices, so both describe one moment.
    storedRows ??= await store.countActiveStateRows();
    report.offices++;
    const result = await verifyOffice(store, id, report);
    if (typeof result === 'string') report.differences.push({ officeId: id, problem: result });
    else expectedRows += result;
  }
  // Each office's own rows were looked up by the paths its replay is in; a surplus row anywhere
  // shows as a count above the expected one, and only then are the rows read one by one.
  if (storedRows !== undefined && storedRows > expectedRows) report.differences.push(...await surplusRows(store, report));
  return report;
}

/** Active state rows for a state the office's stored snapshot is not in. */
async function surplusRows(store: OfficeStore, report: VerifyReport): Promise<VerifyDifference[]> {
  const reported = new Set(report.differences.map((d) => d.officeId));
  const found: VerifyDifference[] = [];
  const active = new Map<string, Set<string>>();
  for (const row of await store.activeStateRows()) {
    if (reported.has(row.office_id)) continue;
    let paths = active.get(row.office_id);
    if (!paths) {
      const office = await store.getOffice(row.office_id);
      paths = new Set(office ? activeNodes(office.snapshot.value).map((n) => n.path) : []);
      active.set(row.office_id, paths);
    }
    if (!paths.has(row.path)) found.push({ officeId: row.office_id, problem: `active state row ${row.path} differs from replay` });
  }
  return found;
}

/** A problem, or the number of active state rows the office should have. */
async function verifyOffice(store: OfficeStore, id: string, report: VerifyReport): Promise<string | number> {
  const office = await store.getOffice(id);
  if (!office) return 'office disappeared while verifying';
  const history = await store.history(id);
  if (history[0]?.type !== REGISTERED) return 'history does not start with REGISTERED';
  let snapshot = initialSnapshot({ track: office.track });
  let enteredAt = enteredAtAfter({}, activeNodes(snapshot.value), history[0].at);
  for (const [index, entry] of history.entries()) {
    if (entry.seq !== index) return `history seq ${entry.seq} found where ${index} was expected`;
    if (index === 0) continue;
    report.events++;
    if (!isOfficeEventType(entry.type)) return `unknown event type ${entry.type} at seq ${entry.seq}`;
    if (JSON.stringify(leafPaths(snapshot.value)) !== JSON.stringify(entry.from)) {
      return `seq ${entry.seq}: history says it left ${entry.from.join(', ')}, replay was in ${leafPaths(snapshot.value).join(', ')}`;
    }
    const parsed = parseOfficeEvent({ ...entry.payload, type: entry.type });
    if (!parsed.ok) return `seq ${entry.seq}: the ${entry.type} payload ${JSON.stringify(entry.payload)} does not fit its schema: ${JSON.stringify(parsed.issues)}`;
    const event = parsed.event;
    // can() does not refuse events once the machine is done; the engine does, and so does the replay.
    if (snapshot.status !== 'active') return `seq ${entry.seq}: ${entry.type} after the office finished in ${leafPaths(snapshot.value).join(', ')}`;
    if (!snapshot.can(event)) return `seq ${entry.seq}: ${entry.type} is not allowed in ${leafPaths(snapshot.value).join(', ')}`;
    snapshot = transition(officeMachine, snapshot, event)[0];
    enteredAt = enteredAtAfter(enteredAt, activeNodes(snapshot.value), entry.at);
    if (JSON.stringify(leafPaths(snapshot.value)) !== JSON.stringify(entry.to)) {
      return `seq ${entry.seq}: history says it entered ${entry.to.join(', ')}, replay reached ${leafPaths(snapshot.value).join(', ')}`;
    }
  }
  if (office.version !== history.length - 1) return `version ${office.version} but ${history.length - 1} events in history`;
  // Compared as values: a jsonb column gives the keys back in its own order.
  if (!isDeepStrictEqual(toStored(snapshot), office.snapshot)) {
    return `stored snapshot ${JSON.stringify(office.snapshot)} differs from replay ${JSON.stringify(toStored(snapshot))}`;
  }
  const expected = sorted(enteredAt);
  if (JSON.stringify(sorted(office.enteredAt)) !== JSON.stringify(expected)) {
    return `stored entered-at ${JSON.stringify(sorted(office.enteredAt))} differs from replay ${JSON.stringify(expected)}`;
  }
  const rows = sorted(await store.enteredAt(id, Object.keys(enteredAt)));
  if (JSON.stringify(rows) !== JSON.stringify(expected)) {
    return `active state rows ${JSON.stringify(rows)} differ from replay ${JSON.stringify(expected)}`;
  }
  return expected.length;
}

const sorted = (times: Record<string, string>) => Object.entries(times).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
