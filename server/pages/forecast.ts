import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { runForecast, type ForecastView, type ProgrammeView } from '../../forecast/service';
import { allStates } from '../../machines/describe';
import { boundedDay } from '../api/analytics-query';
import { forecastQuery, forecastRequest } from '../api/forecast';
import { HttpError } from '../errors';
import { stateLabel } from './data';
import { escapeHtml as esc, html, queryString, raw, type Html } from './html';
import { countryName, number, page } from './layout';
import { select } from './widgets';

/** Page queries never fail: a bad value is dropped (and said so), so a hand-edited URL still shows a page. */
export const forecastPageQuery = z.object({
  asOf: boundedDay.optional().catch(undefined),
  deadline: boundedDay.optional().catch(undefined),
  goldDisk: boundedDay.optional().catch(undefined),
  speedState: z.string().max(100).optional().catch(undefined),
  speedFactor: z.coerce.number().min(0.05).max(20).optional().catch(undefined),
});
type PageQuery = z.infer<typeof forecastPageQuery>;

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'after the horizon');
/** Stages and waiting states a scenario may speed up (not the parallel regions, nothing final). */
const SPEED_STATES = allStates().filter((s) => s.type !== 'final' && !(s.path.split('.').length === 2 && s.states.length > 0));

export async function renderForecast(runtime: Runtime, query: PageQuery): Promise<string> {
  const now = runtime.engine.clock.now();
  const speedup = query.speedState && query.speedFactor && SPEED_STATES.some((s) => s.path === query.speedState) ? `${query.speedState}:${query.speedFactor}` : undefined;
  let view: ForecastView | null = null;
  let problem: string | null = null;
  try {
    const q = forecastQuery.parse({ asOf: query.asOf, deadline: query.deadline, goldDisk: query.goldDisk, speedup });
    view = await runForecast(runtime.storage.history, forecastRequest(q, now, runtime.config.PROGRAMME_DEADLINE));
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    problem = error.message;
  }
  const form = html`<form class="card filters" method="get" action="/forecast" aria-label="Forecast and scenario">
  <label class="field" for="f-asOf">As of<input id="f-asOf" name="asOf" type="date" value="${query.asOf ?? ''}" min="1990-01-01" max="2100-12-31"></label>
  <label class="field" for="f-deadline">Deadline<input id="f-deadline" name="deadline" type="date" value="${query.deadline ?? runtime.config.PROGRAMME_DEADLINE}" min="1990-01-01" max="2100-12-31"></label>
  <label class="field" for="f-goldDisk">Scenario: Gold Disk on<input id="f-goldDisk" name="goldDisk" type="date" value="${query.goldDisk ?? ''}" min="1990-01-01" max="2100-12-31"></label>
  ${select('speedState', 'Scenario: speed up', query.speedState, [['', 'No stage'], ...SPEED_STATES.map((s) => [s.path, stateLabel(s.path)] as [string, string])])}
  <label class="field" for="f-speedFactor">Time factor<input id="f-speedFactor" name="speedFactor" type="number" step="0.05" min="0.05" max="20" value="${query.speedFactor ?? ''}" placeholder="0.5"></label>
  <button class="btn" type="submit">Forecast</button>
</form>`;
  if (!view) {
    const body = html`<div class="page-head"><div><h1>Forecast</h1></div></div>${form}<div class="message error" role="alert">${problem}</div>`;
    return page({ title: 'Forecast', section: 'forecast', body });
  }
  const v = view;
  const atRisk = v.offices.filter((o) => o.push !== null).slice(0, 25);
  const csv = `/api/forecast${queryString({ asOf: query.asOf, deadline: query.deadline, goldDisk: query.goldDisk, speedup, format: 'csv' })}`;
  const body = html`<div class="page-head">
  <div><h1>Forecast</h1><p class="muted">As of ${v.asOf.slice(0, 10)}, to the deadline ${v.deadline.slice(0, 10)} (exclusive of later days): ${number(v.runs)} seeded simulations of every open office over the stays observed in the history.</p></div>
</div>
${form}
<div class="grid-2 shrink">
<section class="card" aria-labelledby="curve-heading">
  <h2 id="curve-heading">Installed or connected over time</h2>
  <div class="chart-wrap" tabindex="0" role="region" aria-label="Forecast chart">${raw(curveChart(v))}</div>
  <p class="legend"><span>Line: history · dark line: median forecast · band: 80% of the simulations</span></p>
</section>
<section class="card" aria-labelledby="figures-heading">
  <h2 id="figures-heading">By the deadline</h2>
  <div class="table-wrap" tabindex="0" role="region" aria-label="Forecast figures"><table class="forecast-figures">
  <thead><tr><th scope="col">Figure</th><th scope="col" class="num">Baseline</th>${v.withScenario ? html`<th scope="col" class="num">Scenario</th>` : ''}</tr></thead>
  <tbody>${figureRows(v.baseline, v.withScenario)}</tbody></table></div>
  ${v.scenario ? html`<p class="small muted">Scenario: ${v.scenario.goldDisk ? `Gold Disk released on ${v.scenario.goldDisk.slice(0, 10)}` : ''}${Object.entries(v.scenario.speedup).map(([s, f]) => ` ${stateLabel(s)} takes ${f}× as long`)}.</p>` : ''}
</section>
</div>
<section class="card" aria-labelledby="risk-heading">
  <h2 id="risk-heading">Offices to push</h2>
  <p class="muted small">Engaged offices less than 90% likely to be done by the deadline, by how much halving their remaining stays would raise that chance.</p>
  ${
    atRisk.length === 0
      ? html`<p class="muted">No engaged office is at risk.</p>`
      : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Offices to push"><table class="at-risk">
  <thead><tr><th scope="col">Office</th><th scope="col" class="num">Chance by the deadline</th><th scope="col" class="num">If pushed</th><th scope="col">Expected (80%)</th><th scope="col">Most time in</th><th scope="col">Contact</th></tr></thead>
  <tbody>${atRisk.map(
    (o) => html`<tr data-office="${o.officeId}"><td><a href="/offices/${encodeURIComponent(o.officeId)}">${o.name}</a><div class="small muted">${countryName(o.country)} · ${o.states.map(stateLabel).join(' + ')}</div></td>
<td class="num">${Math.round(o.probability * 100)}%</td><td class="num">+${Math.round((o.push ?? 0) * 100)} pts</td>
<td>${day(o.expected)}<div class="small muted">${day(o.low)} – ${day(o.high)}</div></td><td>${o.longestLabel ?? '—'}</td>
<td>${o.contact ? html`${o.contact.name}<div class="small"><a href="mailto:${o.contact.email}">${o.contact.email}</a></div>` : '—'}</td></tr>`,
  )}</tbody></table></div>`
  }
  <p><a href="${csv}" download>Download every open office's forecast (CSV)</a></p>
</section>`;
  return page({ title: 'Forecast', section: 'forecast', body });
}

function figureRows(base: ProgrammeView, other: ProgrammeView | null): Html[] {
  const range = (r: { expected: number; low: number; high: number }) => `${number(Math.round(r.expected))} (${number(r.low)}–${number(r.high)})`;
  const rows: [string, (p: ProgrammeView) => string][] = [
    ['Installed or connected', (p) => range(p.installedOrConnected)],
    ['Handed over', (p) => range(p.handedOver)],
    ['90% of the engaged offices done', (p) => `${day(p.engaged90.median)} (${day(p.engaged90.low)} – ${day(p.engaged90.high)})`],
    ['Engaged offices', (p) => number(p.engaged)],
    ['Installed or connected already', (p) => number(p.installedOrConnectedBefore)],
  ];
  return rows.map(([name, fn]) => html`<tr><th scope="row">${name}</th><td class="num">${fn(base)}</td>${other ? html`<td class="num">${fn(other)}</td>` : ''}</tr>`);
}

/** The history of installed or connected offices, then the forecast's median and 80% band to the deadline. */
function curveChart(v: ForecastView): string {
  const width = 720;
  const height = 240;
  const left = 48;
  const right = 12;
  const top = 12;
  const bottom = 30;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const hist = v.history.slice(-36);
  const curve = (v.withScenario ?? v.baseline).curve;
  const t0 = hist.length ? Date.parse(hist[0]!.at) : Date.parse(v.asOf);
  const t1 = Date.parse(v.deadline);
  const max = Math.max(1, ...curve.map((c) => c.high), ...hist.map((h) => h.installedOrConnected));
  const x = (t: number) => left + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  const y = (n: number) => top + plotH - (n / max) * plotH;
  const f = (n: number) => n.toFixed(1);
  const start = { at: v.asOf, value: v.baseline.installedOrConnectedBefore };
  const band =
    `M${f(x(Date.parse(start.at)))},${f(y(start.value))} ` +
    curve.map((c) => `L${f(x(Date.parse(c.at)))},${f(y(c.high))}`).join(' ') +
    ' ' +
    [...curve].reverse().map((c) => `L${f(x(Date.parse(c.at)))},${f(y(c.low))}`).join(' ') +
    ' Z';
  const median = `M${f(x(Date.parse(start.at)))},${f(y(start.value))} ` + curve.map((c) => `L${f(x(Date.parse(c.at)))},${f(y(c.median))}`).join(' ');
  const past = hist.map((h, i) => `${i === 0 ? 'M' : 'L'}${f(x(Date.parse(h.at)))},${f(y(h.installedOrConnected))}`).join(' ');
  const last = curve[curve.length - 1];
  const desc = `${start.value} installed or connected on ${start.at.slice(0, 10)}; by ${v.deadline.slice(0, 10)}: median ${last?.median ?? start.value}, 80% between ${last?.low ?? start.value} and ${last?.high ?? start.value}.`;
  return [
    `<svg class="bars forecast-curve" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="curve-title curve-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="curve-title">Offices installed or connected: history and forecast</title><desc id="curve-desc">${esc(desc)}</desc>`,
    `<path class="band" d="${band}"/>`,
    past ? `<path class="past" d="${past}"/>` : '',
    `<path class="median" d="${median}"/>`,
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}"/>`,
    `<text class="ytick" x="${left - 6}" y="${top + 8}">${max}</text><text class="ytick" x="${left - 6}" y="${top + plotH}">0</text>`,
    `<text class="tick" x="${left + 30}" y="${top + plotH + 16}">${esc(new Date(t0).toISOString().slice(0, 7))}</text>`,
    `<text class="tick" x="${f(x(Date.parse(v.asOf)))}" y="${top + plotH + 16}">${esc(v.asOf.slice(0, 10))}</text>`,
    `<text class="tick" x="${left + plotW - 30}" y="${top + plotH + 16}">${esc(v.deadline.slice(0, 10))}</text>`,
    `<text class="value-end" x="${left + plotW - 4}" y="${f(y(last?.median ?? start.value) - 6)}">${last?.median ?? start.value}</text>`,
    '</svg>',
  ].join('');
}
