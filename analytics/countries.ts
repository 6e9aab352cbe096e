import { getCountry } from 'countries-and-timezones';
import { allStates } from '../machines/describe';
import { stateLabel } from '../machines/labels';
import type { CountryFiguresRepository } from '../storage/country-store';

/** What the map colours each country by. */
export const COLOUR_BY = ['stage', 'count', 'stalled', 'risk'] as const;
export type ColourBy = (typeof COLOUR_BY)[number];

/** An open office's chance of being done by the deadline, as the forecast gives it. */
export interface OfficeChance {
  country: string;
  probability: number;
}

export interface CountryFigures {
  country: string;
  name: string;
  offices: number;
  /** Offices in each top-level stage (only the stages it has). */
  stages: Record<string, number>;
  /** The stage most of its offices are in; a tie goes to a stage still in the programme, then to the earlier one. */
  stage: string;
  stageLabel: string;
  stalled: number;
  stalledShare: number;
  /** Offices the forecast still has open; null when the risk was not asked for. */
  openOffices: number | null;
  /** The expected share of its open offices not done by the deadline; null when not asked for or none is open. */
  risk: number | null;
}

/** Top-level stages in the order the chart declares them (the lifecycle's order). */
export const STAGE_ORDER: readonly string[] = allStates()
  .filter((s) => s.path !== '' && !s.path.includes('.'))
  .map((s) => s.path);

/** Offices out of the programme: they lose a tie, so a country shows where its remaining offices are. */
const OUT = new Set(['declined', 'withdrawn']);
const rank = (stage: string) => {
  const i = STAGE_ORDER.indexOf(stage);
  return (OUT.has(stage) ? STAGE_ORDER.length : 0) + (i < 0 ? STAGE_ORDER.length : i);
};

/**
 * The map's figures per country with offices: counts from the same grouped query the office list's
 * country filter totals, stalled from the stalled clocks, risk from the forecast's per-office
 * chances (passed in, since the forecast costs a simulation and is run only when asked for).
 */
export async function countryFigures(repo: CountryFiguresRepository, now: Date, chances?: readonly OfficeChance[]): Promise<CountryFigures[]> {
  const [stageRows, stalledRows] = await Promise.all([repo.stagesByCountry(), repo.stalledByCountry(now.toISOString())]);
  const byCountry = new Map<string, Record<string, number>>();
  for (const r of stageRows) {
    const stages = byCountry.get(r.country) ?? {};
    stages[r.stage] = r.offices;
    byCountry.set(r.country, stages);
  }
  const stalled = new Map(stalledRows.map((r) => [r.country, r.stalled]));
  const open = new Map<string, { n: number; missed: number }>();
  for (const c of chances ?? []) {
    const o = open.get(c.country) ?? { n: 0, missed: 0 };
    o.n += 1;
    o.missed += 1 - c.probability;
    open.set(c.country, o);
  }
  return [...byCountry.entries()]
    .map(([country, stages]): CountryFigures => {
      const offices = Object.values(stages).reduce((a, b) => a + b, 0);
      const stage = Object.entries(stages).sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]))[0]![0];
      const nStalled = stalled.get(country) ?? 0;
      const o = open.get(country);
      return {
        country,
        name: getCountry(country)?.name ?? country,
        offices,
        stages,
        stage,
        stageLabel: stateLabel(stage),
        stalled: nStalled,
        stalledShare: round3(nStalled / offices),
        openOffices: chances ? (o?.n ?? 0) : null,
        risk: o ? round3(o.missed / o.n) : null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
