import { allStates } from '../machines/describe';
import type { HistoryReader, OfficeInfoRow, TransitionRow } from '../storage/history-store';
import { regionOf } from '../programme/regions';
import { StayColumns } from './columns';
import { weekdayMs } from './stats';

/**
 * State entries and exits reconstructed from the history alone: each row's `to_states` against the
 * previous row's gives the leaves left and entered at that row's instant. An *episode* is one stay of
 * one office in one state: a leaf (`preparing.site.blocked`) or a stage (`preparing`). Nothing here
 * reads counters kept on the side, so any figure can be recomputed as of any past instant.
 */
export interface Episode {
  /** Index into `History.offices`. */
  office: number;
  state: string;
  entered: number;
  /** Instant it left (ms), or Infinity when the office is still there at the end of the history. */
  left: number;
  /** Event that ended the stay. */
  exitType: string | null;
  /**
   * Where the stay led, for the forecast's chains: within a parallel region the region's next leaf
   * (its final leaf when the stage ended with it, `withdrawn` when the office left); elsewhere the
   * next leaves joined by `+`.
   */
  next: string | null;
  /** Reason given with the event that entered the state (a difficulty, a hold), if any. */
  reason: string | null;
  /** For `enrolled`: the last day of the office's workshop (ms after it), when known. */
  workshopEnd: number;
  /** Monday-to-Friday time of the whole stay (ms), once it has ended (NaN before): kept, as it never changes. */
  businessMs: number;
}

export interface OfficeInfo extends OfficeInfoRow {
  region: string | null;
}

export interface History {
  offices: OfficeInfo[];
  leaves: Episode[];
  stages: Episode[];
  /** The same stays as columns, row i being `leaves[i]` and `stages[i]` (analytics/columns.ts). */
  leafColumns: StayColumns;
  stageColumns: StayColumns;
  /** Instant of the first and last row, NaN when there is none. */
  firstAt: number;
  lastAt: number;
  /** What keeps extending these episodes: results fitted on them can ask what changed since (`watch`). */
  source: HistoryBuilder;
}

/**
 * The earliest instant among the rows taken since it was made (Infinity: none; -Infinity when an
 * office changed track, which changes what its earlier stays count for). A result computed from the
 * history before an instant stays right while `earliest` is not before that instant.
 */
export interface Watch {
  earliest: number;
}

const DAY = 86_400_000;

const described = allStates();
const byPath = new Map(described.map((s) => [s.path, s]));

/** The parallel region a leaf lives in (`preparing.site`), or null for a leaf outside any. */
export function regionOfLeaf(path: string): string | null {
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const parent = byPath.get(parts.slice(0, i - 1).join('.'));
    if (i >= 2 && parent?.type === 'parallel') return parts.slice(0, i).join('.');
  }
  return null;
}

const regionFinal = new Map<string, string>();
for (const s of described) {
  if (s.type !== 'final') continue;
  const region = regionOfLeaf(s.path);
  if (region) regionFinal.set(region, s.path);
}
export const REGION_FINAL: ReadonlyMap<string, string> = regionFinal;

export const stageOfPath = (path: string) => path.split('.')[0]!;

function nextOf(leaf: string, to: string[]): string {
  const region = regionOfLeaf(leaf);
  if (region) {
    const inRegion = to.find((p) => p.startsWith(region + '.'));
    if (inRegion) return inRegion;
    if (to.includes('withdrawn')) return 'withdrawn';
    return regionFinal.get(region) ?? to.join('+');
  }
  return [...to].sort().join('+');
}

const names = new Map<string, string>();
/**
 * One string per state name and outcome: every row's JSON gives new copies, and two million stays
 * each holding their own would cost memory and a hash computed per copy in every lookup by name.
 * The names are the machine's states and their combinations, so the table stays small.
 */
function shared(name: string): string {
  const known = names.get(name);
  if (known !== undefined) return known;
  names.set(name, name);
  return name;
}

/** Where one office's history stood after its last row: the stays still open, for the next row to close. */
interface Tail {
  seq: number;
  /** Open leaf stays by state: indexes into `leaves`. */
  open: Map<string, number>;
  /** Index into `stages`, -1 for none. */
  stage: number;
  workshopId: string | null;
}

const workshopEndOf = (workshopEnds: ReadonlyMap<string, string>, id: string | null) => {
  const end = id ? workshopEnds.get(id) : undefined;
  return end ? Date.parse(`${end}T00:00:00.000Z`) + DAY : Number.NaN;
};

/**
 * Episodes built row by row. Each office keeps its tail (the stays still open), so rows can come in
 * any interleaving of offices as long as each office's rows come in sequence: a full read ordered by
 * office, or the rows appended since an earlier read. Episodes already pushed are closed in place
 * when a later row ends them.
 */
export class HistoryBuilder {
  readonly offices: OfficeInfo[] = [];
  readonly leaves: Episode[] = [];
  readonly stages: Episode[] = [];
  readonly leafColumns = new StayColumns();
  readonly stageColumns = new StayColumns();
  firstAt = Number.NaN;
  lastAt = Number.NaN;
  /** Rows read, those of unknown offices included. */
  rows = 0;
  private readonly index = new Map<string, number>();
  private readonly tails: (Tail | undefined)[] = [];
  /** Every `enrolled` stay with its workshop, so a change of a workshop's dates reaches it. */
  private readonly enrolled = new Map<Episode, string | null>();
  private workshopEnds: ReadonlyMap<string, string> = new Map();
  private readonly watches = new Set<Watch>();

  /** Watches the rows taken from now on, until `unwatch`. */
  watch(): Watch {
    const w: Watch = { earliest: Infinity };
    this.watches.add(w);
    return w;
  }

  unwatch(w: Watch): void {
    this.watches.delete(w);
  }

  /** Office details as now stored: known offices keep their index, new ones are appended. */
  setOffices(infos: OfficeInfoRow[]): void {
    for (const o of infos) {
      const info: OfficeInfo = { ...o, region: regionOf(o.country) };
      const i = this.index.get(o.id);
      if (i === undefined) {
        this.index.set(o.id, this.offices.length);
        this.offices.push(info);
        continue;
      }
      if (this.offices[i]!.track !== info.track) for (const w of this.watches) w.earliest = -Infinity;
      this.offices[i] = info;
    }
  }

  setWorkshops(ends: ReadonlyMap<string, string>): void {
    const changed = ends.size !== this.workshopEnds.size || [...ends].some(([id, end]) => this.workshopEnds.get(id) !== end);
    this.workshopEnds = ends;
    if (!changed) return;
    for (const [episode, workshopId] of this.enrolled) episode.workshopEnd = workshopEndOf(ends, workshopId);
  }

  /** Takes one row; false when it does not follow the office's last row (the caller rebuilds). */
  add(row: TransitionRow): boolean {
    this.rows++;
    const office = this.index.get(row.officeId);
    if (office === undefined) return true;
    let tail = this.tails[office];
    if (!tail) this.tails[office] = tail = { seq: -Infinity, open: new Map(), stage: -1, workshopId: null };
    if (row.seq <= tail.seq) return false;
    tail.seq = row.seq;
    const at = Date.parse(row.at);
    if (Number.isNaN(this.firstAt) || at < this.firstAt) this.firstAt = at;
    if (Number.isNaN(this.lastAt) || at > this.lastAt) this.lastAt = at;
    for (const w of this.watches) if (at < w.earliest) w.earliest = at;
    const to = JSON.parse(row.toStates) as string[];
    if (row.type === 'ENROLLED' && row.workshopId) tail.workshopId = row.workshopId;
    const next = new Map<string, number>();
    for (const [path, i] of tail.open) {
      if (to.includes(path)) {
        next.set(path, i);
        continue;
      }
      const episode = this.leaves[i]!;
      episode.left = at;
      episode.businessMs = weekdayMs(episode.entered, at);
      episode.exitType = row.type;
      episode.next = shared(nextOf(path, to));
      this.leafColumns.close(i, at, episode.businessMs);
    }
    for (const path of to) {
      if (next.has(path)) continue;
      const episode: Episode = { office, state: shared(path), entered: at, left: Infinity, exitType: null, next: null, reason: row.reason, workshopEnd: Number.NaN, businessMs: Number.NaN };
      next.set(path, this.leaves.length);
      this.leaves.push(episode);
      this.leafColumns.push(office, episode.state, at);
    }
    const enrolledAt = next.get('preparing.training.enrolled');
    if (enrolledAt !== undefined) {
      // The stay ends with the workshop named last while it is open.
      const enrolled = this.leaves[enrolledAt]!;
      this.enrolled.set(enrolled, tail.workshopId);
      enrolled.workshopEnd = workshopEndOf(this.workshopEnds, tail.workshopId);
    }
    tail.open = next;
    const stageNow = to.length ? shared(stageOfPath(to[0]!)) : null;
    const open = tail.stage >= 0 ? this.stages[tail.stage]! : null;
    if (open && open.state !== stageNow) {
      open.left = at;
      open.businessMs = weekdayMs(open.entered, at);
      open.exitType = row.type;
      open.next = stageNow;
      this.stageColumns.close(tail.stage, at, open.businessMs);
      tail.stage = -1;
    }
    if (tail.stage < 0 && stageNow) {
      tail.stage = this.stages.length;
      this.stages.push({ office, state: stageNow, entered: at, left: Infinity, exitType: null, next: null, reason: row.reason, workshopEnd: Number.NaN, businessMs: Number.NaN });
      this.stageColumns.push(office, stageNow, at);
    }
    return true;
  }

  /**
   * The episodes as they stand, as a new object each time so results cached per History (the
   * forecast's) are not taken for current after a change. The lists are shared and keep growing:
   * only the newest History is meant to be read.
   */
  history(): History {
    return { offices: this.offices, leaves: this.leaves, stages: this.stages, leafColumns: this.leafColumns, stageColumns: this.stageColumns, firstAt: this.firstAt, lastAt: this.lastAt, source: this };
  }
}

/** Builds every episode from rows ordered by office then sequence. */
export function buildHistory(rows: Iterable<TransitionRow>, infos: OfficeInfoRow[], workshopEnds: Map<string, string>): History {
  return fill(new HistoryBuilder(), rows, infos, workshopEnds).history();
}

function fill(builder: HistoryBuilder, rows: Iterable<TransitionRow>, infos: OfficeInfoRow[], workshopEnds: ReadonlyMap<string, string>): HistoryBuilder {
  builder.setOffices(infos);
  builder.setWorkshops(workshopEnds);
  for (const row of rows) if (!builder.add(row)) throw new Error(`history of ${row.officeId} out of sequence at ${row.seq}`);
  return builder;
}

/**
 * Positions re-read below the last one seen: on PostgreSQL an event id is taken at insert, so a
 * transaction that inserted earlier may commit after rows with larger ids were read. Rows already
 * taken are skipped by position; one older than the window is caught by the row count and the
 * episodes are then rebuilt from scratch.
 */
export const REREAD_WINDOW = 1024;

interface Loaded {
  version: string;
  /** Offices when last read: read again only when one was added. */
  officeCount: number;
  builder: HistoryBuilder;
  history: History;
  last: number;
  /** Positions taken within the window below `last`. */
  recent: Set<number>;
  /** Times the episodes were built from scratch and extended, for tests and benchmarks. */
  builds: { full: number; extended: number };
}

const cache = new WeakMap<HistoryReader, Loaded>();
const EMPTY: History = new HistoryBuilder().history();

/** Extends `loaded` with the rows appended since; null when they cannot be (the caller rebuilds). */
async function extend(reader: HistoryReader, loaded: Loaded, version: string): Promise<Loaded | null> {
  const { rows, total } = await reader.transitionsAfter(loaded.last === 0 ? 0 : Math.max(0, loaded.last - REREAD_WINDOW));
  const { builder, recent } = loaded;
  // Offices after rows: an office's first row is written with it, so no row can name one not read.
  // Reading 100,000 offices costs more than the rows of a transition, so they are read again only
  // when one was added (edits of an office's details show then, or on a restart).
  const officeCount = await reader.officeCount();
  if (officeCount !== loaded.officeCount) builder.setOffices(await reader.offices());
  builder.setWorkshops(await reader.workshopEnds());
  let last = loaded.last;
  for (const row of rows) {
    if (row.position <= loaded.last && (row.position <= loaded.last - REREAD_WINDOW || recent.has(row.position))) continue;
    if (!builder.add(row)) return null;
    recent.add(row.position);
    if (row.position > last) last = row.position;
  }
  if (total !== null && builder.rows !== total) return null;
  for (const p of recent) if (p <= last - REREAD_WINDOW) recent.delete(p);
  return { version, officeCount, builder, history: builder.history(), last, recent, builds: loaded.builds };
}

/**
 * The whole history's episodes. History is append-only: when a row, an office or a workshop was
 * added since the last call, only the rows added since are read and the episodes extended (office
 * and workshop details are read again, so their edits show as before); every figure "as of" an
 * instant is then a filter on them.
 */
export async function loadHistory(reader: HistoryReader): Promise<History> {
  // One build at a time per reader: a request arriving during the first build (seconds at 100,000
  // offices) waits for it, then finds it current or extends it, instead of building it again.
  const running = loading.get(reader);
  const load = (running ?? Promise.resolve()).then(
    () => loadNow(reader),
    () => loadNow(reader),
  );
  loading.set(reader, load);
  try {
    return await load;
  } finally {
    if (loading.get(reader) === load) loading.delete(reader);
  }
}

const loading = new WeakMap<HistoryReader, Promise<History>>();

async function loadNow(reader: HistoryReader): Promise<History> {
  const version = await reader.version();
  const hit = cache.get(reader);
  if (hit && hit.version === version) return hit.history;
  let loaded = hit ? await extend(reader, hit, version) : null;
  if (loaded) loaded.builds.extended++;
  else {
    const builds = { full: (hit?.builds.full ?? 0) + 1, extended: hit?.builds.extended ?? 0 };
    loaded = await extend(reader, { version, officeCount: -1, builder: new HistoryBuilder(), history: EMPTY, last: 0, recent: new Set(), builds }, version);
    if (!loaded) throw new Error('the history has a row out of sequence for its office');
  }
  cache.set(reader, loaded);
  return loaded.history;
}

/** How often `loadHistory` built the episodes of `reader` from scratch and extended them. */
export function historyBuilds(reader: HistoryReader): { full: number; extended: number } {
  return { ...(cache.get(reader)?.builds ?? { full: 0, extended: 0 }) };
}
