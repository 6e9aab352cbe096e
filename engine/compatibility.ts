import type { StateValue } from 'xstate';
import { officeMachine, OFFICE_MACHINE_VERSION } from '../machines/office';
import type { OfficeStore } from '../storage/types';

export interface IncompatibleShape {
  value: string;
  machineVersion: number;
  count: number;
  sampleId: string;
  reason: string;
}

/**
 * Checks that every stored snapshot still resolves on the current machine. Distinct state values
 * are few (dozens), so this costs one grouped scan, not one resolve per office.
 */
export function findIncompatibleSnapshots(store: OfficeStore): IncompatibleShape[] {
  const problems: IncompatibleShape[] = [];
  for (const shape of store.snapshotShapes()) {
    if (shape.machineVersion > OFFICE_MACHINE_VERSION) {
      problems.push({ ...shape, reason: `stored by a newer machine version ${shape.machineVersion}` });
      continue;
    }
    try {
      const value = JSON.parse(shape.value) as StateValue;
      officeMachine.resolveState({ value, context: { track: 'kit', reason: null, focalPoint: null, workshopId: null, goldDiskVersion: null } });
    } catch (error) {
      problems.push({ ...shape, reason: (error as Error).message });
    }
  }
  return problems;
}

export class IncompatibleSnapshotsError extends Error {
  constructor(readonly problems: IncompatibleShape[]) {
    super(
      `${problems.reduce((n, p) => n + p.count, 0)} stored office(s) no longer resolve on office machine v${OFFICE_MACHINE_VERSION}:\n` +
        problems
          .map((p) => `  - ${p.value} (machine v${p.machineVersion}, ${p.count} offices, e.g. ${p.sampleId}): ${p.reason}`)
          .join('\n') +
        '\nMigrate these offices (or restore the previous machine) before starting.',
    );
    this.name = 'IncompatibleSnapshotsError';
  }
}
