import { byStateId } from '../analytics/columns';
import { loadHistory, type History, type HistoryBuilder, type Watch } from '../analytics/episodes';
import { stateLabel } from '../machines/labels';
import type { HistoryReader } from '../storage/history-store';
import { forecast, type ProgrammeForecast } from './forecast';
import { fitModel, type Model } from './model';
import type { Scenario } from './simulate';

/**
 * The forecast as the API and the page show it: dates as ISO strings, the baseline beside the
 * scenario when one is given, the open offices most worth pushing first. Results are kept for the
 * same inputs until the history changes (they are deterministic).
 */
export interface ForecastRequest {
  asOf: number;
  deadline: number;
  runs: number;
  seed: number;
  scenario: Scenario;
}

export interface ProgrammeView {
  offices: number;
  engaged: number;
  installedOrConnectedBefore: number;
  handedOverBefore: number;
  installedOrConnected: { expected: number; low: number; high: number };
  handedOver: { expected: number; low: number; high: number };
  /** When 90% of the engaged offices are installed or connected; null: after the horizon. */
  engaged90: { median: string | null; low: string | null; high: string | null };
  curve: { at: string; low: number; median: number; high: number }[];
}

export interface OfficeView {
  officeId: string;
  name: string;
  country: string;
  track: string;
  states: string[];
  contact: { name: string; email: string } | null;
  probability: number;
  expected: string | null;
  low: string | null;
  high: string | null;
  longestState: string | null;
  longestLabel: string | null;
  /** How much pushing this office (every remaining stay half as long) raises its probability. */
  push: number | null;
}

export interface ForecastView {
  asOf: string;
  deadline: string;
  runs: number;
  seed: number;
  scenario: { goldDisk: string | null; speedup: Record<string, number> } | null;
  baseline: ProgrammeView;
  /** Present when a scenario was given. */
  withScenario: ProgrammeView | null;
  /** History of installed or connected offices, month by month (the first of each month). */
  history: { at: string; installedOrConnected: number }[];
  offices: OfficeView[];
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
const round1 = (n: number) => Math.round(n * 10) / 10;

function programmeView(p: ProgrammeForecast): ProgrammeView {
  return {
    offices: p.offices,
    engaged: p.engaged,
    installedOrConnectedBefore: p.doneBefore,
    handedOverBefore: p.handedOverBefore,
    installedOrConnected: { expected: round1(p.installedOrConnected.expected), low: p.installedOrConnected.low, high: p.installedOrConnected.high },
    handedOver: { expected: round1(p.handedOver.expected), low: p.handedOver.low, high: p.handedOver.high },
    engaged90: { median: iso(p.engaged90.median), low: iso(p.engaged90.low), high: iso(p.engaged90.high) },
    curve: p.curve.map((c) => ({ at: new Date(c.at).toISOString(), low: c.low, median: c.median, high: c.high })),
  };
}

const hasScenario = (s: Scenario) => s.goldDisk !== undefined || Object.keys(s.speedup ?? {}).length > 0;

const cache = new WeakMap<object, Map<string, ForecastView>>();

const DAY = 86_400_000;
/** Models kept per history: the cuts of a few days (a past as-of date asked again, today). */
const KEPT_MODELS = 4;
const models = new WeakMap<HistoryBuilder, { cut: number; model: Model; watch: Watch }[]>();

/**
 * The model for a forecast as of `asOf`, fitted on the history before the start of that UTC day (the
 * cut): the same all day, so a transition does not refit it. It is kept across versions of the
 * history while no row dated before the cut has been taken since it was fitted (the engine dates
 * rows now, so only an imported or replayed past row does that) and no office changed track. A
 * forecast as of a day (`asOf=YYYY-MM-DD`, the end of that day) has its cut at its own instant.
 */
export function modelFor(history: History, asOf: number): Model {
  const cut = Math.floor(asOf / DAY) * DAY;
  const builder = history.source;
  let kept = models.get(builder);
  if (!kept) models.set(builder, (kept = []));
  const hit = kept.find((m) => m.cut === cut);
  if (hit && hit.watch.earliest >= cut) return hit.model;
  if (hit) {
    builder.unwatch(hit.watch);
    kept.splice(kept.indexOf(hit), 1);
  }
  // Watched from before the fit: a row taken during it would be seen (none can be: the fit is synchronous).
  const watch = builder.watch();
  const model = fitModel(history, cut);
  if (kept.length >= KEPT_MODELS) builder.unwatch(kept.shift()!.watch);
  kept.push({ cut, model, watch });
  return model;
}

/**
 * `offices: false` answers the programme figures alone: no office list, and none of the push
 * simulations that rank it, which cost as much again as the forecast itself.
 */
export async function runForecast(reader: HistoryReader, request: ForecastRequest, options: { offices?: boolean } = {}): Promise<ForecastView> {
  const withOffices = options.offices ?? true;
  const history = await loadHistory(reader);
  let results = cache.get(history);
  if (!results) cache.set(history, (results = new Map()));
  const key = JSON.stringify([request, withOffices]);
  const hit = results.get(key);
  if (hit) return hit;
  const model = modelFor(history, request.asOf);

  const base = { asOf: request.asOf, deadline: request.deadline, runs: request.runs, seed: request.seed };
  const scenario = hasScenario(request.scenario);
  // The office list comes from the scenario's forecast when there is one: the baseline's own then
  // needs only its programme figures.
  const baselineOffices = withOffices && !scenario;
  const baseline = forecast(history, { ...base, scenario: {}, push: baselineOffices, longest: baselineOffices, offices: baselineOffices }, model);
  const other = scenario ? forecast(history, { ...base, scenario: request.scenario, push: withOffices, longest: withOffices, offices: withOffices }, model) : null;
  const shown = other ?? baseline;

  const months = new Map<string, number>();
  const firstDone = new Float64Array(history.offices.length).fill(Infinity);
  const isDone = byStateId((name) => (name === 'installed' || name === 'connected' ? 1 : 0), 0);
  const c = history.leafColumns;
  for (let i = 0; i < c.length; i++) {
    const t = c.entered[i]!;
    if (t < request.asOf && t < firstDone[c.office[i]!]! && isDone.at(c.state[i]!) === 1) firstDone[c.office[i]!] = t;
  }
  for (const t of firstDone) {
    if (t === Infinity) continue;
    const d = new Date(t);
    const month = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
    months.set(month, (months.get(month) ?? 0) + 1);
  }
  let running = 0;
  const historyCurve = [...months.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([at, n]) => ({ at, installedOrConnected: (running += n) }));

  const offices = (withOffices ? shown.offices : [])
    .map((o): OfficeView => {
      const info = history.offices[o.index]!;
      const contacts = JSON.parse(info.contacts) as { name: string; email: string }[];
      return {
        officeId: o.officeId,
        name: info.name,
        country: info.country,
        track: o.track,
        states: o.states,
        contact: contacts[0] ? { name: contacts[0].name, email: contacts[0].email } : null,
        probability: Math.round(o.probability * 1000) / 1000,
        expected: iso(o.expected),
        low: iso(o.low),
        high: iso(o.high),
        longestState: o.longest,
        longestLabel: o.longest ? stateLabel(o.longest) : null,
        push: o.push === null ? null : Math.round(o.push * 1000) / 1000,
      };
    })
    .sort((a, b) => (b.push ?? -1) - (a.push ?? -1) || a.probability - b.probability || a.officeId.localeCompare(b.officeId));

  const view: ForecastView = {
    asOf: new Date(request.asOf).toISOString(),
    deadline: new Date(request.deadline).toISOString(),
    runs: request.runs,
    seed: request.seed,
    scenario: scenario ? { goldDisk: request.scenario.goldDisk === undefined ? null : new Date(request.scenario.goldDisk).toISOString(), speedup: request.scenario.speedup ?? {} } : null,
    baseline: programmeView(baseline.programme),
    withScenario: other ? programmeView(other.programme) : null,
    history: historyCurve,
    offices,
  };
  if (results.size >= 16) results.delete(results.keys().next().value!);
  results.set(key, view);
  return view;
}

/**
 * Each open office's chance of being done by the deadline, without the push simulation (which
 * doubles the cost and does not change the chances: it draws from its own seeded stream). The
 * chances are the ones `runForecast` reports for the same request, rounded the same way.
 */
export async function officeChances(reader: HistoryReader, request: ForecastRequest): Promise<{ officeId: string; country: string; probability: number }[]> {
  const history = await loadHistory(reader);
  const model = modelFor(history, request.asOf);
  const result = forecast(history, { asOf: request.asOf, deadline: request.deadline, runs: request.runs, seed: request.seed, scenario: request.scenario, push: false, longest: false }, model);
  return result.offices.map((o) => ({ officeId: o.officeId, country: history.offices[o.index]!.country, probability: Math.round(o.probability * 1000) / 1000 }));
}
