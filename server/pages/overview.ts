import type { Runtime } from '../../app/runtime';
import { renderLifecycleList } from '../diagram/list';
import { machineLayout } from '../diagram/layout';
import { HEAT_SCALE, renderDiagram } from '../diagram/svg';
import { installedChart } from './charts';
import { overview, stateLabel } from './data';
import { html, queryString, raw } from './html';
import { number, page } from './layout';
import { FIGURE_LABELS, FIGURE_NAMES, type FigureName } from '../../engine/figures';

/** The list behind each card: its length is the card's number. */
export const FIGURE_LINKS: Record<FigureName, string> = {
  invited: '/offices?figure=invited',
  preparing: '/offices?figure=preparing',
  installed: '/offices?figure=installed',
  connected: '/offices?figure=connected',
  handedOver: '/offices?figure=handedOver',
  stalled: '/stuck',
  stuck: '/stuck?status=stuck',
};

/** `/`: headline figures, the lifecycle chart as a heat map of where offices are, installations over time. */
export async function renderOverview(runtime: Runtime): Promise<string> {
  const now = runtime.engine.clock.now();
  const [layout, data] = await Promise.all([machineLayout(), Promise.resolve(overview(runtime, now))]);
  const h = data.headline;
  const overdue = await runtime.reminders.stuck.listStuck(now, { limit: 6 });
  // Each card links to the list of exactly the offices it counts (same definition, engine/figures.ts).
  const figure = (key: FigureName) =>
    html`<a class="figure ${key}" href="${FIGURE_LINKS[key]}" data-figure="${key}"><span class="value">${number(h[key])}</span><span class="name">${FIGURE_LABELS[key]}</span></a>`;
  const chart = renderDiagram(layout, {
    figures: data.figures,
    title: `Office lifecycle: ${number(data.total)} offices by state`,
    href: (path) => `/offices${queryString({ state: path })}`,
    id: 'overview-chart',
  });
  const body = html`<div class="page-head">
  <div><h1>Overview</h1><p class="muted">${number(data.total)} offices in the programme. Click a state to list its offices.</p></div>
</div>
<div data-live-region="overview">
<section class="figures" aria-label="Headline figures">
  ${FIGURE_NAMES.map(figure)}
</section>
<section class="card" aria-labelledby="chart-heading">
  <h2 id="chart-heading">Where offices are</h2>
  <div class="chart-wrap">${raw(chart)}</div>
  ${raw(renderLifecycleList({ figures: data.figures, href: (path) => `/offices${queryString({ state: path })}`, label: 'Offices by stage and state, in lifecycle order' }))}
  <div class="legend" aria-label="Legend">
    <span class="scale">fewer <span class="swatch heat" aria-hidden="true">${raw(heatSwatch())}</span> more offices</span>
    <span><span class="swatch stalled" aria-hidden="true"></span> <span class="badge stalled">n stalled</span> past a deadline</span>
    <span><span class="swatch stuck" aria-hidden="true"></span> <span class="badge stuck">n stuck</span> escalated after its reminders</span>
    <span>dashed arrow, *: conditional transition</span>
    <span>OFFICE / WIPO: who the state waits on</span>
  </div>
</section>
<div class="grid-2">
<section class="card" aria-labelledby="installed-heading">
  <h2 id="installed-heading">Offices installed over time</h2>
  ${raw(installedChart(data.installedByMonth, now))}
</section>
<section class="card" aria-labelledby="overdue-heading">
  <h2 id="overdue-heading">Stuck first, then most overdue</h2>
  ${
    overdue.rows.length === 0
      ? html`<p class="muted">No office is past its deadline.</p>`
      : html`<ol class="overdue">${overdue.rows.map(
          (r) => html`<li><a href="/offices/${encodeURIComponent(r.officeId)}">${r.name}</a>
<div class="small muted">${stateLabel(r.state)} · ${number(r.daysOverdue)} days overdue ${r.escalated ? html`<span class="badge stuck">Stuck</span>` : html`<span class="badge stalled">Stalled</span>`}</div></li>`,
        )}</ol>
        <p><a href="/stuck">All ${number(overdue.total)} stalled offices →</a></p>`
  }
</section>
</div>
</div>`;
  return page({ title: 'Overview', section: 'overview', body, data: { live: 'any' } });
}

function heatSwatch(): string {
  const w = 100 / HEAT_SCALE.length;
  return `<svg width="100" height="12" viewBox="0 0 100 12" xmlns="http://www.w3.org/2000/svg">${HEAT_SCALE.map(
    (c, i) => `<rect x="${(i * w).toFixed(2)}" y="0" width="${(w + 0.5).toFixed(2)}" height="12" fill="${c}"/>`,
  ).join('')}</svg>`;
}
