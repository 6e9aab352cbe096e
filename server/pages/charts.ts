import { escapeHtml as esc } from './html';

const MONTHS = 24;
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The last `MONTHS` months up to `now`, as "YYYY-MM". */
function monthsUpTo(now: Date): string[] {
  const out: string[] = [];
  let y = now.getUTCFullYear();
  let m = now.getUTCMonth();
  for (let i = 0; i < MONTHS; i++) {
    out.unshift(`${y}-${String(m + 1).padStart(2, '0')}`);
    if (--m < 0) {
      m = 11;
      y--;
    }
  }
  return out;
}

/**
 * Offices installed per month over the last two years, as an inline SVG bar chart with the running
 * total drawn as a line; every bar carries its number, so the chart reads without colour.
 */
export function installedChart(byMonth: { month: string; n: number }[], now: Date): string {
  const months = monthsUpTo(now);
  const counts = new Map(byMonth.map((r) => [r.month, r.n]));
  const before = byMonth.filter((r) => r.month < months[0]!).reduce((n, r) => n + r.n, 0);
  const values = months.map((m) => counts.get(m) ?? 0);
  const width = 720;
  const height = 210;
  const left = 34;
  const right = 40;
  const top = 18;
  const bottom = 34;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...values);
  const slot = plotW / months.length;
  const barW = Math.max(4, slot * 0.66);
  const total = before + values.reduce((a, b) => a + b, 0);
  let running = before;
  const cumulative = values.map((v) => (running += v));
  const cumMax = Math.max(1, total);
  const parts: string[] = [];
  parts.push(
    `<svg class="bars" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="installed-title installed-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="installed-title">Offices installed per month</title>`,
    `<desc id="installed-desc">${esc(
      `${total} installed in total; last ${MONTHS} months: ` + months.map((m, i) => `${m}: ${values[i]}`).join(', '),
    )}</desc>`,
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}"/>`,
  );
  const path: string[] = [];
  months.forEach((month, i) => {
    const v = values[i]!;
    const x = left + i * slot + (slot - barW) / 2;
    const h = (v / max) * plotH;
    if (v > 0) {
      parts.push(`<rect class="bar" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(`${month}: ${v} installed`)}</title></rect>`);
      parts.push(`<text class="value" x="${(x + barW / 2).toFixed(1)}" y="${(top + plotH - h - 4).toFixed(1)}">${v}</text>`);
    }
    const [y, m] = month.split('-');
    const monthIndex = Number(m) - 1;
    if (i % 3 === 0 || i === months.length - 1) {
      parts.push(`<text class="tick" x="${(left + i * slot + slot / 2).toFixed(1)}" y="${top + plotH + 14}">${MONTH_NAMES[monthIndex]}</text>`);
      if (monthIndex === 0 || i === 0) parts.push(`<text class="tick" x="${(left + i * slot + slot / 2).toFixed(1)}" y="${top + plotH + 27}">${y}</text>`);
    }
    const cy = top + plotH - (cumulative[i]! / cumMax) * plotH;
    path.push(`${i === 0 ? 'M' : 'L'}${(left + i * slot + slot / 2).toFixed(1)},${cy.toFixed(1)}`);
  });
  parts.push(`<path class="cumulative" d="${path.join(' ')}"><title>Running total</title></path>`);
  parts.push(`<text x="${left + plotW + 4}" y="${top + 4}">${total}</text>`);
  parts.push(`<text x="${left + plotW + 4}" y="${top + 16}">total</text>`);
  parts.push('</svg>');
  return parts.join('');
}
