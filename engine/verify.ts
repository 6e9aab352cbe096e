import { transition } from 'xstate';
import { isOfficeEventType, type OfficeEvent } from '../machines/events';
import { officeMachine } from '../machines/office';
import type { OfficeStore } from '../storage/types';
import { REGISTERED } from './engine';
import { activeNodes, initialSnapshot, leafPaths, toStored } from './snapshot';

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
export function verify(store: OfficeStore): VerifyReport {
  const report: VerifyReport = { offices: 0, events: 0, differences: [] };
  // officeIds() iterates an open statement, so the whole pass reads one snapshot of the database:
  // a transition the server commits meanwhile is not half seen (tests/verify.test.ts).
  for (const id of store.officeIds()) {
    report.offices++;
    const problem = verifyOffice(store, id, report);
    if (problem) report.differences.push({ officeId: id, problem });
  }
  return report;
}

function verifyOffice(store: OfficeStore, id: string, report: VerifyReport): string | null {
  const office = store.getOffice(id);
  if (!office) return 'office disappeared while verifying';
  const history = store.history(id);
  if (history[0]?.type !== REGISTERED) return 'history does not start with REGISTERED';
  let snapshot = initialSnapshot({ track: office.track });
  for (const [index, entry] of history.entries()) {
    if (entry.seq !== index) return `history seq ${entry.seq} found where ${index} was expected`;
    if (index === 0) continue;
    report.events++;
    if (!isOfficeEventType(entry.type)) return `unknown event type ${entry.type} at seq ${entry.seq}`;
    if (JSON.stringify(leafPaths(snapshot.value)) !== JSON.stringify(entry.from)) {
      return `seq ${entry.seq}: history says it left ${entry.from.join(', ')}, replay was in ${leafPaths(snapshot.value).join(', ')}`;
    }
    const event = { type: entry.type, ...entry.payload } as OfficeEvent;
    if (!snapshot.can(event)) return `seq ${entry.seq}: ${entry.type} is not allowed in ${leafPaths(snapshot.value).join(', ')}`;
    snapshot = transition(officeMachine, snapshot, event)[0];
    if (JSON.stringify(leafPaths(snapshot.value)) !== JSON.stringify(entry.to)) {
      return `seq ${entry.seq}: history says it entered ${entry.to.join(', ')}, replay reached ${leafPaths(snapshot.value).join(', ')}`;
    }
  }
  if (office.version !== history.length - 1) return `version ${office.version} but ${history.length - 1} events in history`;
  if (JSON.stringify(toStored(snapshot)) !== JSON.stringify(office.snapshot)) {
    return `stored snapshot ${JSON.stringify(office.snapshot)} differs from replay ${JSON.stringify(toStored(snapshot))}`;
  }
  const stored = Object.keys(store.enteredAt(id)).sort();
  const expected = activeNodes(snapshot.value).map((n) => n.path).sort();
  if (JSON.stringify(stored) !== JSON.stringify(expected)) {
    return `active state rows ${stored.join(', ')} differ from replay ${expected.join(', ')}`;
  }
  return null;
}
