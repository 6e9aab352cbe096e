import { reportDocument, reportFigures, type ReportTable } from './prose';
import type { ProgressReport } from './progress';

/** Text from the data (office names…) must not turn into Markdown or HTML markup. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ')
    .replace(/^([#+-]|\d+\.)/, '\\$1');
}

function table(t: ReportTable): string {
  const line = (cells: string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [line(t.head), `| ${t.head.map(() => '---').join(' | ')} |`, ...t.rows.map(line)].join('\n');
}

export function renderMarkdown(report: ProgressReport): string {
  const doc = reportDocument(report);
  const out: string[] = [`# ${escapeMarkdown(doc.title)}`, '', `_${escapeMarkdown(doc.subtitle)}_`];
  for (const section of doc.sections) {
    out.push('', `## ${escapeMarkdown(section.heading)}`);
    for (const p of section.paragraphs) out.push('', escapeMarkdown(p));
    if (section.points.length > 0) {
      out.push('');
      section.points.forEach((p, i) => out.push(`${i + 1}. ${escapeMarkdown(p)}`));
    }
    if (section.table) out.push('', table(section.table));
    if (section.chart) {
      const most = Math.max(1, ...report.installationsByQuarter.map((q) => q.installed));
      out.push(
        '',
        table({
          caption: 'Installations per quarter',
          head: ['Quarter', 'Offices installed', ''],
          rows: report.installationsByQuarter.map((q) => [q.quarter.replace('-', ' '), String(q.installed), '█'.repeat(Math.round((q.installed / most) * 30))]),
        }),
      );
    }
  }
  out.push(
    '',
    '## Figures',
    '',
    table({
      caption: 'Figures',
      head: ['Figure', 'Value'],
      rows: reportFigures(report).map(([k, v]) => [k, String(v)]),
    }),
    '',
  );
  return out.join('\n');
}
