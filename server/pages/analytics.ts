import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { computeDurations, type StateDurations } from '../../analytics/durations';
import { loadHistory } from '../../analytics/episodes';
import { computeFlow } from '../../analytics/flow';
import { computeFunnel } from '../../analytics/funnel';
import { computeSla } from '../../analytics/sla';
import { computeSlowest } from '../../analytics/slowest';
import { REGIONS } from '../../programme/regions';
import { boundedDay, scopeOf } from '../api/analytics-query';
import { machineLayout } from '../diagram/layout';
import { HEAT_SCALE, renderDiagram } from '../diagram/svg';
import { flowChart, STAGE_COLOURS } from './analytics-charts';
import { overview, stateLabel } from './data';
import { html, queryString, raw, type Html } from './html';
import { countryName, number, page } from './layout';
import { select } from './widgets';

/** Page queries never fail: a bad value is dropped, so a hand-edited URL still shows a page. */
export const analyticsQuery = z.object({
  view: z.enum(['offices', 'median', 'overdue']).catch('median').default('median'),
  from: boundedDay.optional().catch(undefined),
  to: boundedDay.optional().catch(undefined),
  track: z.enum(['kit', 'internet']).optional().catch(undefined),
  region: z.enum(REGIONS as [string, ...string[]]).optional().catch(undefined),
});
type AnalyticsQuery = z.infer<typeof analyticsQuery>;

const VIEWS: { view: AnalyticsQuery['view']; label: string }[] = [
  { view: 'offices', label: 'Offices now' },
  { view: 'median', label: 'Median time in state' },
  { view: 'overdue', label: 'Share overdue' },
];

const fmtDays = (n: number | undefined | null) => (n === undefined || n === null ? '—' : `${number(n)} d`);
const pct = (n: number | null) => (n === null ? '—' : `${Math.round(n * 100)}%`);

export async function renderAnalytics(runtime: Runtime, query: AnalyticsQuery): Promise<string> {
  const now = runtime.engine.clock.now();
  let scope = scopeOf({ ...query, format: undefined }, new Date(Math.min(now.getTime(), Date.parse('2100-12-31T00:00:00Z'))));
  if (scope.from > scope.to) scope = { ...scope, from: scope.to };
  const history = await loadHistory(runtime.storage.history);
  const policies = runtime.reminders.policies;
  const durations = computeDurations(history, scope);
  const funnel = computeFunnel(history, scope);
  const flow = computeFlow(history, scope, Date.parse(scope.to) - Date.parse(scope.from) > 200 * 86_400_000 ? 'month' : 'week');
  const sla = computeSla(history, scope, policies);
  const slowest = computeSlowest(history, scope, policies, 3);
  const layout = await machineLayout();
  const filters = { from: scope.from, to: scope.to, track: scope.track, region: scope.region };
  const qs = (extra: Record<string, string | undefined>) => queryString({ ...filters, ...extra });

  const byState = new Map<string, StateDurations>(durations.states.map((s) => [s.state, s]));
  const overdueShare = new Map<string, { entries: number; stalled: number }>();
  for (const r of sla.rows) {
    const a = overdueShare.get(r.state) ?? { entries: 0, stalled: 0 };
    a.entries += r.entries;
    a.stalled += r.stalled;
    overdueShare.set(r.state, a);
  }
  let heat: Record<string, { value: number; text: string }> | undefined;
  let chartTitle: string;
  if (query.view === 'median') {
    heat = {};
    for (const s of durations.states) if (s.calendarDays) heat[s.state] = { value: s.calendarDays.median, text: `median ${number(s.calendarDays.median)} d` };
    chartTitle = 'Office lifecycle: median days in each state';
  } else if (query.view === 'overdue') {
    heat = {};
    for (const [state, a] of overdueShare) if (a.entries > 0) heat[state] = { value: a.stalled / a.entries, text: `${Math.round((100 * a.stalled) / a.entries)}% overdue` };
    chartTitle = 'Office lifecycle: share of stays past the SLA';
  } else {
    chartTitle = 'Office lifecycle: offices in each state now';
  }
  const chart = renderDiagram(layout, {
    figures: query.view === 'offices' ? (await overview(runtime, now)).figures : undefined,
    heat,
    title: chartTitle,
    href: (path) => `/offices${queryString({ state: path })}`,
    id: 'analytics-chart',
  });
  const csv = (path: string, extra: Record<string, string | undefined> = {}) => `/api/analytics/${path}${qs({ ...extra, format: 'csv' })}`;
  const maxFunnel = Math.max(1, ...funnel.steps.map((s) => s.offices));
  const waiting = slowest.states.filter((s) => s.offices.length > 0);

  const body = html`<div class="page-head">
  <div><h1>Analytics</h1><p class="muted">Where the time goes, from ${scope.from} to ${scope.to}, computed from the history as of the end of that day.</p></div>
</div>
<form class="card filters" method="get" action="/analytics" role="search" aria-label="Period and offices">
  <input type="hidden" name="view" value="${query.view}">
  <label class="field" for="f-from">From<input id="f-from" name="from" type="date" value="${scope.from}" min="1990-01-01" max="2100-12-31"></label>
  <label class="field" for="f-to">To<input id="f-to" name="to" type="date" value="${scope.to}" min="1990-01-01" max="2100-12-31"></label>
  ${select('track', 'Track', scope.track, [['', 'Both tracks'], ['kit', 'Kit'], ['internet', 'Internet']])}
  ${select('region', 'Region', scope.region, [['', 'All regions'], ...REGIONS.map((r) => [r, r] as [string, string])])}
  <button class="btn" type="submit">Show</button>
</form>
<section class="card" aria-labelledby="lifecycle-heading">
  <h2 id="lifecycle-heading">Lifecycle</h2>
  <nav class="toggle" aria-label="Colour the chart by">${VIEWS.map(
    (v) => html`<a class="btn secondary" href="/analytics${qs({ view: v.view })}"${v.view === query.view ? html` aria-current="true"` : ''}>${v.label}</a>`,
  )}</nav>
  <div class="chart-wrap">${raw(chart)}</div>
  <div class="legend" aria-label="Legend"><span class="scale">${query.view === 'offices' ? 'fewer' : query.view === 'median' ? 'shorter' : 'lower share'} <span class="swatch heat" aria-hidden="true">${raw(heatSwatch())}</span> ${query.view === 'offices' ? 'more offices' : query.view === 'median' ? 'longer' : 'higher share'}</span>
  <span>${query.view === 'median' ? 'Offices still in a state count their time so far.' : query.view === 'overdue' ? 'Of the stays begun in the period, the share that ran past the SLA.' : 'Click a state for its offices.'}</span></div>
</section>
<div class="grid-2 shrink">
<section class="card" aria-labelledby="funnel-heading">
  <h2 id="funnel-heading">Funnel</h2>
  <p class="muted small">The ${number(funnel.steps[0]?.offices ?? 0)} offices first invited in the period, and how far they got.</p>
  <div class="table-wrap" tabindex="0" role="region" aria-label="Funnel table"><table class="funnel">
  <thead><tr><th scope="col">Step</th><th scope="col" class="num">Offices</th><th scope="col" class="num">From the step before</th><th scope="col" class="num">Median time</th></tr></thead>
  <tbody>${funnel.steps.map(
    (s, i) => html`<tr data-step="${s.step}"><td>${s.label}<svg class="funnel-bar" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" height="6" width="${((100 * s.offices) / maxFunnel).toFixed(1)}"/></svg></td>
<td class="num">${number(s.offices)}</td><td class="num">${i === 0 ? '' : pct(s.conversion)}</td><td class="num">${fmtDays(s.medianDaysFromPrevious)}</td></tr>`,
  )}</tbody></table></div>
  <p><a href="${csv('funnel')}" download>Download the funnel (CSV)</a></p>
</section>
<section class="card" aria-labelledby="flow-heading">
  <h2 id="flow-heading">Cumulative flow</h2>
  <div class="chart-wrap" tabindex="0" role="region" aria-label="Cumulative flow chart">${raw(flowChart(flow))}</div>
  <ul class="legend flow-legend" aria-label="Stages">${flow.stages.map(
    (s) => html`<li><svg class="dot" width="12" height="12" aria-hidden="true" xmlns="http://www.w3.org/2000/svg"><rect width="12" height="12" fill="${STAGE_COLOURS[s.stage] ?? '#999'}"/></svg> ${s.label} ${number(flow.points[flow.points.length - 1]?.stages[s.stage] ?? 0)}</li>`,
  )}</ul>
  <p><a href="${csv('flow', { interval: flow.interval })}" download>Download the flow (CSV)</a></p>
</section>
</div>
<section class="card" aria-labelledby="durations-heading">
  <h2 id="durations-heading">Time in state</h2>
  <div class="table-wrap" tabindex="0" role="region" aria-label="Time in state table"><table>
  <thead><tr><th scope="col">State</th><th scope="col" class="num">Entered</th><th scope="col" class="num">Left</th><th scope="col" class="num">Inside</th><th scope="col" class="num">Median</th><th scope="col" class="num">p90</th><th scope="col" class="num">Max</th><th scope="col" class="num">Median business days</th></tr></thead>
  <tbody>${durations.states
    .filter((s) => s.sample > 0)
    .map(
      (s) => html`<tr data-state="${s.state}"><td>${stateLabel(s.state)}</td><td class="num">${number(s.entered)}</td><td class="num">${number(s.left)}</td><td class="num">${number(s.stillInside)}</td>
<td class="num">${fmtDays(s.calendarDays?.median)}</td><td class="num">${fmtDays(s.calendarDays?.p90)}</td><td class="num">${fmtDays(s.calendarDays?.max)}</td><td class="num">${fmtDays(s.businessDays?.median)}</td></tr>`,
    )}</tbody></table></div>
  <p><a href="${csv('durations')}" download>Download time in state (CSV)</a> · <a href="${csv('sla')}" download>SLA outcomes by quarter (CSV)</a></p>
</section>
<section class="card" aria-labelledby="slowest-heading">
  <h2 id="slowest-heading">Slowest offices</h2>
  ${
    waiting.length === 0
      ? html`<p class="muted">No office is waiting in a state at the end of the period.</p>`
      : html`<div class="slowest">${waiting.map((s) => slowestGroup(s, byState.get(s.state)))}</div>`
  }
  <p><a href="${csv('slowest', { perState: '5' })}" download>Download the slowest offices (CSV)</a></p>
</section>`;
  return page({ title: 'Analytics', section: 'analytics', body });
}

function slowestGroup(s: ReturnType<typeof computeSlowest>['states'][number], d: StateDurations | undefined): Html {
  return html`<div class="slow-state" data-state="${s.state}">
<h3>${stateLabel(s.state)} <span class="muted small">${number(s.inside)} inside${d?.calendarDays ? html`, median ${fmtDays(d.calendarDays.median)}` : ''}</span></h3>
<ol>${s.offices.map(
    (o) => html`<li><a href="/offices/${encodeURIComponent(o.officeId)}">${o.name}</a> <span class="muted">${countryName(o.country)}</span>
<div class="small">${number(o.days)} days (${number(o.businessDays)} business days)${o.overdue ? html` <span class="badge stalled">Overdue</span>` : ''}</div>
<div class="small muted">Waiting on ${o.waitingOn === 'wipo' ? 'WIPO' : 'the office'}: ${o.nextSteps.join(' or ') || '—'}${o.reason ? html` · “${o.reason}”` : ''}</div></li>`,
  )}</ol></div>`;
}

function heatSwatch(): string {
  const w = 100 / HEAT_SCALE.length;
  return `<svg width="100" height="12" viewBox="0 0 100 12" xmlns="http://www.w3.org/2000/svg">${HEAT_SCALE.map(
    (c, i) => `<rect x="${(i * w).toFixed(2)}" y="0" width="${(w + 0.5).toFixed(2)}" height="12" fill="${c}"/>`,
  ).join('')}</svg>`;
}
