import type { Engine } from '../engine/engine';
import type { ProgrammeStore } from '../storage/programme-store';
import type { OfficeStore } from '../storage/types';

/** What the programme operations work on: the single-office engine and the programme's own tables. */
export interface ProgrammeContext {
  engine: Engine;
  store: OfficeStore;
  programme: ProgrammeStore;
}

export interface ActorOptions {
  actor: string;
}
