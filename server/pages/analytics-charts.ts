import type { FlowResult } from '../../analytics/flow';
import { escapeHtml as esc } from './html';

/**
 * The analytics page's charts as inline SVG (classes styled in app.css, colours as presentation
 * attributes: the CSP allows no inline style). Every figure is also written as text or listed in the
 * chart's description, so colour never carries it alone.
 */

/** One colour per top-level stage, colour-blind safe (Okabe–Ito, then greys for the ends). */
export const STAGE_COLOURS: Record<string, string> = {
  prospect: '#c9ced6',
  invited: '#56b4e9',
  declined: '#7d8797',
  preparing: '#e69f00',
  deployment: '#f0e442',
  connecting: '#cc79a7',
  connected: '#d55e00',
  installed: '#009e73',
  handedOver: '#0072b2',
  withdrawn: '#3b4656',
};

const f = (n: number) => (Math.round(n * 10) / 10).toString();

/** Stacked areas of the offices in each stage over time, the earliest stage at the top. */
export function flowChart(flow: FlowResult, id = 'flow'): string {
  const width = 720;
  const height = 260;
  const left = 44;
  const right = 12;
  const top = 12;
  const bottom = 30;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const points = flow.points;
  const stages = [...flow.stages].reverse();
  const totals = points.map((p) => stages.reduce((n, s) => n + (p.stages[s.stage] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const x = (i: number) => left + (points.length === 1 ? plotW : (i / (points.length - 1)) * plotW);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const last = points[points.length - 1];
  const desc = last
    ? `At ${last.at.slice(0, 10)}: ` + flow.stages.map((s) => `${s.label} ${last.stages[s.stage] ?? 0}`).join(', ')
    : 'No data.';
  const parts = [
    `<svg class="bars flow" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-title">Offices in each stage, ${esc(flow.interval === 'week' ? 'week' : 'month')} by ${esc(flow.interval === 'week' ? 'week' : 'month')}</title>`,
    `<desc id="${id}-desc">${esc(desc)}</desc>`,
  ];
  const below = points.map(() => 0);
  for (const s of stages) {
    const upper = points.map((p, i) => below[i]! + (p.stages[s.stage] ?? 0));
    if (upper.every((v, i) => v === below[i])) continue;
    const d =
      upper.map((v, i) => `${i === 0 ? 'M' : 'L'}${f(x(i))},${f(y(v))}`).join(' ') +
      ' ' +
      below.map((_, k) => below.length - 1 - k).map((i) => `L${f(x(i))},${f(y(below[i]!))}`).join(' ') +
      ' Z';
    parts.push(`<path class="area" d="${d}" fill="${STAGE_COLOURS[s.stage] ?? '#999'}" data-stage="${esc(s.stage)}"><title>${esc(s.label)}</title></path>`);
    upper.forEach((v, i) => (below[i] = v));
  }
  parts.push(`<line class="axis" x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}"/>`);
  parts.push(`<text x="${left - 6}" y="${top + 8}" class="ytick">${max}</text><text x="${left - 6}" y="${top + plotH}" class="ytick">0</text>`);
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every === 0 || i === points.length - 1) parts.push(`<text class="tick" x="${f(x(i))}" y="${top + plotH + 16}">${esc(p.at.slice(0, 7))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
