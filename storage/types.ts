import type { StateValue } from 'xstate';
import type { OfficeContext, Track } from '../machines/office';
import type { FigureName } from './figures-store';

/** What is stored: only what rebuilds the snapshot. Delayed events are not in it; timers are stored by the engine. */
export interface StoredSnapshot {
  value: StateValue;
  context: OfficeContext;
  status: 'active' | 'done';
}

/** A node of the active configuration: `preparing` and `preparing.site.blocked` are both active nodes. */
export interface ActiveNode {
  path: string;
  isLeaf: boolean;
}

export interface Contact {
  name: string;
  email: string;
  role?: string;
}

export interface OfficeRecord {
  id: string;
  name: string;
  country: string;
  city: string | null;
  language: string;
  track: Track;
  contacts: Contact[];
  stage: string;
  states: string[];
  snapshot: StoredSnapshot;
  /** When the office entered each of its active nodes (compound and leaf), by path. */
  enteredAt: Record<string, string>;
  machineVersion: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryEntry {
  officeId: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  from: string[];
  to: string[];
  actor: string;
  at: string;
  /** The HTTP request that caused it, when one did. */
  requestId?: string | null;
}

export interface OfficeFilter {
  stage?: string;
  state?: string;
  country?: string;
  q?: string;
  /** Only offices stalled (past an SLA deadline) at this ISO instant, per `sla_clocks`. */
  stalledAt?: string;
  /** Only the offices a headline figure counts (storage/figures-store.ts), taken at `at`. */
  figure?: { name: FigureName; at: string };
  limit?: number;
  offset?: number;
}

export interface OfficeStateUpdate {
  id: string;
  stage: string;
  states: string[];
  snapshot: StoredSnapshot;
  enteredAt: Record<string, string>;
  /** The machine version that computed `snapshot`: the office now runs on it. */
  machineVersion: number;
  version: number;
  updatedAt: string;
  /** Descriptive fields, written only with a DETAILS_UPDATED transition. */
  details?: Pick<OfficeRecord, 'name' | 'country' | 'city' | 'language' | 'contacts'>;
}

/**
 * The storage the engine needs, asynchronous so that a backend across a network can serve it.
 * The engine calls it inside `transaction()`: one unit of work per transition.
 */
export interface OfficeStore {
  /** `work` as one transaction; nested calls run in a savepoint of the open one. */
  transaction<T>(work: () => Promise<T> | T): Promise<T>;
  getOffice(id: string): Promise<OfficeRecord | undefined>;
  /**
   * The office, locked until the transaction ends, for a transition to read and change: where
   * several connections write (PostgreSQL), two transitions of one office then queue, never fork.
   */
  getOfficeForUpdate(id: string): Promise<OfficeRecord | undefined>;
  insertOffice(office: OfficeRecord, nodes: ActiveNode[]): Promise<void>;
  /** Returns false when the stored version is not `version - 1` (someone else won). */
  updateOfficeState(update: OfficeStateUpdate): Promise<boolean>;
  replaceActiveNodes(officeId: string, exited: string[], entered: ActiveNode[], at: string): Promise<void>;
  /** When the office entered each of `paths` (active node paths); paths it is not in are left out. */
  enteredAt(officeId: string, paths: readonly string[]): Promise<Record<string, string>>;
  /** All active state rows, for `verify`'s check that no office has a row the replay does not. */
  countActiveStateRows(): Promise<number>;
  activeStateRows(): Promise<Iterable<{ office_id: string; path: string }>>;
  appendHistory(entry: HistoryEntry): Promise<void>;
  history(officeId: string): Promise<HistoryEntry[]>;
  listOffices(filter: OfficeFilter): Promise<{ offices: OfficeRecord[]; total: number }>;
  countByStage(): Promise<Record<string, number>>;
  /** Offices in each of these leaf state paths (the machine's leaves); paths with none are left out. */
  countByLeafState(leafPaths: readonly string[]): Promise<Record<string, number>>;
  officeIds(): Promise<Iterable<string>>;
  /** One row per distinct (state value, machine version) stored: what start-up checks resolve. */
  snapshotShapes(): Promise<{ value: string; machineVersion: number; count: number }[]>;
  /** The first `limit` office ids, in id order, stored with this state value (as JSON) and machine version. */
  officeIdsInShape(value: string, machineVersion: number, limit: number): Promise<string[]>;
}
