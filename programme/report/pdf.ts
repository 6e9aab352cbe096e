import PDFDocument from 'pdfkit';
import { reportDocument, reportFigures, type ReportTable } from './prose';
import type { ProgressReport } from './progress';

/**
 * The progress report as PDF, drawn in the server by pdfkit (no browser): the same document as the
 * HTML and Markdown (`reportDocument`), the installations per quarter as a bar chart, the figures
 * table and the as-of instant in the footer line. Standard fonts (Helvetica) only, so nothing is read
 * from disk or the network.
 */
const MARGIN = 56;

function table(doc: PDFKit.PDFDocument, t: ReportTable | { head: string[]; rows: string[][] }): void {
  const width = doc.page.width - 2 * MARGIN;
  const col = width / t.head.length;
  const row = (cells: string[], bold: boolean) => {
    const heights = cells.map((c) => doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9).heightOfString(c, { width: col - 6 }));
    const h = Math.max(...heights) + 6;
    if (doc.y + h > doc.page.height - MARGIN) doc.addPage();
    const y = doc.y;
    cells.forEach((c, i) => doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9).text(c, MARGIN + i * col, y + 3, { width: col - 6, lineBreak: true }));
    doc.moveTo(MARGIN, y + h).lineTo(MARGIN + width, y + h).lineWidth(0.5).strokeColor('#aab3c0').stroke();
    doc.x = MARGIN;
    doc.y = y + h;
  };
  row(t.head, true);
  for (const r of t.rows) row(r, false);
  doc.moveDown(0.5);
}

function chart(doc: PDFKit.PDFDocument, report: ProgressReport): void {
  const quarters = report.installationsByQuarter.slice(-12);
  const width = doc.page.width - 2 * MARGIN;
  const height = 130;
  if (doc.y + height + 40 > doc.page.height - MARGIN) doc.addPage();
  doc.font('Helvetica-Bold').fontSize(10).text('Installations per quarter', MARGIN, doc.y);
  const top = doc.y + 14;
  const max = Math.max(1, ...quarters.map((q) => q.installed));
  const slot = width / Math.max(1, quarters.length);
  quarters.forEach((q, i) => {
    const h = (q.installed / max) * (height - 20);
    const x = MARGIN + i * slot + slot * 0.15;
    doc.rect(x, top + height - 20 - h, slot * 0.7, h).fill('#009e73');
    doc.fillColor('#1f2933').font('Helvetica').fontSize(8).text(String(q.installed), x, top + height - 32 - h, { width: slot * 0.7, align: 'center' });
    doc.text(q.quarter.replace('-', ' '), MARGIN + i * slot, top + height - 14, { width: slot, align: 'center' });
  });
  doc.x = MARGIN;
  doc.y = top + height + 6;
}

export function renderPdf(report: ProgressReport, generatedAt: Date): Promise<Buffer> {
  const content = reportDocument(report);
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: content.title, Subject: content.subtitle, CreationDate: generatedAt } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(content.title);
  doc.font('Helvetica-Oblique').fontSize(10).text(content.subtitle);
  doc.font('Helvetica').fontSize(9).fillColor('#4a5566').text(`Figures as of ${report.period.end} (the first instant after ${report.period.to}).`);
  doc.fillColor('#1f2933').moveDown();
  for (const section of content.sections) {
    doc.font('Helvetica-Bold').fontSize(12).text(section.heading, MARGIN);
    doc.moveDown(0.3);
    for (const p of section.paragraphs) doc.font('Helvetica').fontSize(10).text(p, { align: 'left' }).moveDown(0.4);
    section.points.forEach((p, i) => doc.font('Helvetica').fontSize(10).text(`${i + 1}. ${p}`, { indent: 0 }).moveDown(0.3));
    if (section.table) table(doc, section.table);
    if (section.chart) chart(doc, report);
    doc.moveDown(0.5);
  }
  doc.font('Helvetica-Bold').fontSize(12).text('Figures', MARGIN);
  doc.moveDown(0.3);
  table(doc, { head: ['Figure', 'Value'], rows: reportFigures(report).map(([k, v]) => [k, String(v)]) });
  doc.end();
  return done;
}
