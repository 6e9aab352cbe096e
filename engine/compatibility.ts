import type { StateValue } from 'xstate';
import { officeMachine, OFFICE_MACHINE_VERSION } from '../machines/office';
import type { OfficeStore } from '../storage/types';

export interface IncompatibleShape {
  value: string;
  machineVersion: number;
  count: number;
  /** The first LISTED_IDS offices in this shape, by id; `count` says how many there are. */
  officeIds: string[];
  reason: string;
}

/** Enough to find and fix the offices; a shape shared by thousands would bury the message. */
export const LISTED_IDS = 20;

/**
 * Checks that every stored snapshot still resolves on the current machine. Distinct state values
 * are few (dozens), so this costs one grouped scan, not one resolve per office.
 */
export async function findIncompatibleSnapshots(store: OfficeStore): Promise<IncompatibleShape[]> {
  const problems: IncompatibleShape[] = [];
  for (const shape of await store.snapshotShapes()) {
    const reason = whyUnresolvable(shape.value, shape.machineVersion);
    if (reason === null) continue;
    const officeIds = await store.officeIdsInShape(shape.value, shape.machineVersion, LISTED_IDS);
    problems.push({ ...shape, officeIds, reason });
  }
  return problems;
}

function whyUnresolvable(value: string, machineVersion: number): string | null {
  if (machineVersion > OFFICE_MACHINE_VERSION) return `stored by a newer machine version ${machineVersion}`;
  try {
    const stateValue = JSON.parse(value) as StateValue;
    officeMachine.resolveState({ value: stateValue, context: { track: 'kit', reason: null, focalPoint: null, workshopId: null, goldDiskVersion: null } });
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function describeShape(p: IncompatibleShape): string {
  const more = p.count - p.officeIds.length;
  const ids = p.officeIds.join(', ') + (more > 0 ? ` and ${more} more` : '');
  return `  - ${p.value} (machine v${p.machineVersion}, ${p.count} offices: ${ids}): ${p.reason}`;
}

export class IncompatibleSnapshotsError extends Error {
  constructor(readonly problems: IncompatibleShape[]) {
    super(
      `${problems.reduce((n, p) => n + p.count, 0)} stored office(s) no longer resolve on office machine v${OFFICE_MACHINE_VERSION}:\n` +
        problems
          .map(describeShape)
          .join('\n') +
        '\nMigrate these offices (or restore the previous machine) before starting.',
    );
    this.name = 'IncompatibleSnapshotsError';
  }
}
