import { officeStats } from '../../engine/queries';
import { installationsByMonth, type Figures } from '../../engine/figures';
import { allStates, stageOfPath, type StateDescription } from '../../machines/describe';
import type { Runtime } from '../../app/runtime';
import type { StateFigures } from '../diagram/svg';

/**
 * The read side of the dashboard: a handful of grouped, indexed queries. Nothing here loads
 * offices one by one, so the overview costs the same with 200 offices or 100,000.
 */

const states = allStates();
export const stateByPath = new Map<string, StateDescription>(states.map((s) => [s.path, s]));
export const stages = states.filter((s) => !s.path.includes('.'));
export const leafStates = states.filter((s) => s.states.length === 0);

export function stateLabel(path: string): string {
  const parts = path.split('.');
  const labels: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const s = stateByPath.get(parts.slice(0, i).join('.'));
    // A region's own name adds nothing to its state's label ("Preparing › Site work").
    if (s && !(i > 1 && i < parts.length && stateByPath.get(parts.slice(0, i - 1).join('.'))?.type === 'parallel')) labels.push(s.meta.label);
  }
  return labels.join(' › ') || path;
}

export interface Overview {
  total: number;
  headline: Figures;
  figures: Record<string, StateFigures>;
  installedByMonth: { month: string; n: number }[];
}

export async function overview(runtime: Runtime, now: Date): Promise<Overview> {
  const stats = await officeStats(runtime.store, runtime.storage.figures, now);
  const stalled = await runtime.reminders.stuck.stalledCountsByState(now);
  const byStage = await runtime.reminders.stuck.stalledOfficesByStage(now);
  const figures: Record<string, StateFigures> = {};
  // Leaves: offices in the state (an office in `preparing` sits in one leaf of each region).
  for (const s of leafStates) {
    figures[s.path] = { count: stats.byState[s.path] ?? 0, stalled: stalled[s.path]?.stalled ?? 0, stuck: stalled[s.path]?.stuck ?? 0 };
  }
  // Containers: offices inside (every office in a stage is in each of its regions), with the
  // stalled and stuck figures of the states below.
  for (const s of states) {
    if (s.states.length === 0) continue;
    const stage = stageOfPath(s.path);
    const below = leafStates.filter((l) => l.path.startsWith(s.path + '.'));
    // A stage counts its stalled offices once each; a region has one leaf per office, so its sum is exact.
    figures[s.path] =
      s.path === stage
        ? { count: stats.byStage[stage] ?? 0, stalled: byStage[stage]?.stalled ?? 0, stuck: byStage[stage]?.stuck ?? 0 }
        : {
            count: stats.byStage[stage] ?? 0,
            stalled: below.reduce((n, l) => n + (figures[l.path]!.stalled ?? 0), 0),
            stuck: below.reduce((n, l) => n + (figures[l.path]!.stuck ?? 0), 0),
          };
  }
  return {
    total: stats.total,
    headline: stats.figures,
    figures,
    installedByMonth: await installationsByMonth(runtime.storage.figures, stats.figures.installed),
  };
}

/** Countries that have offices, in code order: the office list's country filter. */
export async function countriesInUse(runtime: Runtime): Promise<string[]> {
  return [...new Set((await runtime.storage.countries.stagesByCountry()).map((r) => r.country))];
}
