import { allStates } from '../machines/describe';
import { createHistoryReader, type HistoryReader, type OfficeInfoRow, type TransitionRow } from '../storage/history-store';
import { regionOf } from '../programme/regions';

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
}

export interface OfficeInfo extends OfficeInfoRow {
  region: string | null;
}

export interface History {
  offices: OfficeInfo[];
  leaves: Episode[];
  stages: Episode[];
  /** Instant of the first and last row, NaN when there is none. */
  firstAt: number;
  lastAt: number;
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

/** Builds every episode from rows ordered by office then sequence. */
export function buildHistory(rows: Iterable<TransitionRow>, infos: OfficeInfoRow[], workshopEnds: Map<string, string>): History {
  const offices: OfficeInfo[] = infos.map((o) => ({ ...o, region: regionOf(o.country) }));
  const index = new Map(offices.map((o, i) => [o.id, i]));
  const leaves: Episode[] = [];
  const stages: Episode[] = [];
  let firstAt = Number.NaN;
  let lastAt = Number.NaN;
  let current = '';
  let office = -1;
  let open = new Map<string, Episode>();
  let stage: Episode | null = null;
  let workshopId: string | null = null;
  const workshopEnd = (id: string | null) => {
    const end = id ? workshopEnds.get(id) : undefined;
    return end ? Date.parse(`${end}T00:00:00.000Z`) + DAY : Number.NaN;
  };
  for (const row of rows) {
    if (row.officeId !== current) {
      current = row.officeId;
      office = index.get(row.officeId) ?? -1;
      open = new Map();
      stage = null;
      workshopId = null;
    }
    if (office < 0) continue;
    const at = Date.parse(row.at);
    if (Number.isNaN(firstAt) || at < firstAt) firstAt = at;
    if (Number.isNaN(lastAt) || at > lastAt) lastAt = at;
    const to = JSON.parse(row.toStates) as string[];
    if (row.type === 'ENROLLED' && row.workshopId) workshopId = row.workshopId;
    const next = new Map<string, Episode>();
    for (const [path, episode] of open) {
      if (to.includes(path)) {
        next.set(path, episode);
        continue;
      }
      episode.left = at;
      episode.exitType = row.type;
      episode.next = nextOf(path, to);
    }
    for (const path of to) {
      if (next.has(path)) continue;
      const episode: Episode = { office, state: path, entered: at, left: Infinity, exitType: null, next: null, reason: row.reason, workshopEnd: Number.NaN };
      next.set(path, episode);
      leaves.push(episode);
    }
    const enrolled = next.get('preparing.training.enrolled');
    if (enrolled) enrolled.workshopEnd = workshopEnd(workshopId);
    open = next;
    const stageNow = to.length ? stageOfPath(to[0]!) : null;
    if (stage && stage.state !== stageNow) {
      stage.left = at;
      stage.exitType = row.type;
      stage.next = stageNow;
      stage = null;
    }
    if (!stage && stageNow) {
      stage = { office, state: stageNow, entered: at, left: Infinity, exitType: null, next: null, reason: row.reason, workshopEnd: Number.NaN };
      stages.push(stage);
    }
  }
  return { offices, leaves, stages, firstAt, lastAt };
}

const cache = new WeakMap<HistoryReader, { version: string; history: History }>();

/**
 * The whole history's episodes, rebuilt only when a history row or an office was added since the
 * last call (history is append-only): every figure "as of" an instant is then a filter on them.
 */
export async function loadHistory(reader: HistoryReader): Promise<History> {
  const version = await reader.version();
  const hit = cache.get(reader);
  if (hit && hit.version === version) return hit.history;
  const history = buildHistory(await reader.transitionsBefore('9999-12-31T00:00:00.000Z'), await reader.offices(), await reader.workshopEnds());
  cache.set(reader, { version, history });
  return history;
}
