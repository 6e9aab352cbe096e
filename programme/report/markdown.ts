import { reportDocument, type ReportTable } from './prose';
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
      rows: [
        ['Kits installed in the period', report.installedInPeriod],
        ['Kits installed to date (total)', report.installedTotal],
        ['Connected over the Internet in the period', report.connectedInPeriod],
        ['Connected over the Internet (total)', report.connectedTotal],
        ['Handed over to IT operations', report.figures.handedOver],
        ['Invited, awaiting reply', report.figures.invited],
        ['Preparing site and training', report.figures.preparing],
        ['Preparing for deployment', report.preparingForDeployment],
        ['Circular letters sent in the period', report.circularLettersInPeriod],
        ['Affirmative replies in the period', report.affirmativeRepliesInPeriod],
        ['Declined in the period', report.declinedInPeriod],
        ['Focal points trained', report.focalPointsTrained],
        ['Offices with a trained focal point', report.officesTrained],
        ['Countries with a trained focal point', report.countriesTrained],
        ['Workshops planned', report.workshopsPlanned],
        ['Offices awaiting the Gold Disk', report.awaitingGoldDisk],
        ['Stalled offices', report.keyIssues.stalledOffices],
        ['Stuck offices (escalated)', report.figures.stuck],
      ].map(([k, v]) => [String(k), String(v)]),
    }),
    '',
  );
  return out.join('\n');
}
