import { reportDocument, type ReportTable } from './prose';
import type { ProgressReport } from './progress';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string | number) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Bar chart of installations per quarter as inline SVG (no script, no external resource). */
export function installationsChart(data: { quarter: string; installed: number }[]): string {
  const width = 720;
  const height = 240;
  const left = 40;
  const bottom = 36;
  const top = 20;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const most = Math.max(1, ...data.map((d) => d.installed));
  const step = plotW / Math.max(1, data.length);
  const barW = Math.max(2, Math.min(48, step * 0.7));
  const ticks = [0, Math.round(most / 2), most].filter((v, i, a) => a.indexOf(v) === i);
  const y = (v: number) => top + plotH - (v / most) * plotH;
  const labelEvery = Math.ceil(data.length / 12);
  const parts: string[] = [
    `<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">Offices that received the WIPOnet kit, per quarter</title>`,
  ];
  for (const t of ticks) {
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#d0d4da" stroke-width="1"/>`,
      `<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#4a5160">${t}</text>`,
    );
  }
  data.forEach((d, i) => {
    const x = left + i * step + (step - barW) / 2;
    const top_ = y(d.installed);
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${top_.toFixed(1)}" width="${barW.toFixed(1)}" height="${(top + plotH - top_).toFixed(1)}" fill="#1f5fa8"><title>${esc(d.quarter.replace('-', ' '))}: ${d.installed}</title></rect>`,
    );
    if (d.installed > 0 && data.length <= 24) {
      parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${(top_ - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#1b1f27">${d.installed}</text>`);
    }
    if (i % labelEvery === 0) {
      parts.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11" fill="#4a5160">${esc(d.quarter.replace('-', ' '))}</text>`,
      );
    }
  });
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#4a5160" stroke-width="1"/>`, '</svg>');
  return parts.join('');
}

function table(t: ReportTable): string {
  return `<table class="report-table"><caption>${esc(t.caption)}</caption><thead><tr>${t.head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The report as an HTML fragment (an `<article>`), for the dashboard page and the standalone document. */
export function renderReportArticle(report: ProgressReport, doc = reportDocument(report)): string {
  const out: string[] = [`<article class="progress-report"><h1>${esc(doc.title)}</h1><p class="report-subtitle">${esc(doc.subtitle)}</p>`];
  for (const section of doc.sections) {
    out.push(`<section><h2>${esc(section.heading)}</h2>`);
    for (const p of section.paragraphs) out.push(`<p>${esc(p)}</p>`);
    if (section.points.length > 0) out.push(`<ol>${section.points.map((p) => `<li>${esc(p)}</li>`).join('')}</ol>`);
    if (section.table) out.push(table(section.table));
    if (section.chart) out.push(`<figure>${installationsChart(report.installationsByQuarter)}</figure>`);
    out.push('</section>');
  }
  out.push('</article>');
  return out.join('\n');
}

export const REPORT_STYLE = `body{font-family:Georgia,'Times New Roman',serif;color:#1b1f27;max-width:820px;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.8rem;border-bottom:1px solid #d0d4da}
.report-subtitle{color:#4a5160;font-style:italic}ol li{margin:.4rem 0}
table{border-collapse:collapse;margin:1rem 0;font-size:.95rem}caption{text-align:left;color:#4a5160;padding-bottom:.3rem}
th,td{border:1px solid #d0d4da;padding:.3rem .6rem;text-align:left}figure{margin:1rem 0}svg{max-width:100%;height:auto}`;

/** A complete, printable HTML document (the `format=html` download). */
export function renderReportHtml(report: ProgressReport): string {
  const doc = reportDocument(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
${renderReportArticle(report, doc)}
</body>
</html>
`;
}
