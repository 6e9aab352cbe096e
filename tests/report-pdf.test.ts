import { loadDemoData } from '../demo/load';
import { fixedClock } from '../engine/clock';
import { reportFigures } from '../programme/report/prose';
import type { ProgressReport } from '../programme/report/progress';
import { pdfText } from './helpers/pdf-text';
import { api, startServer, TEST_ADMIN_TOKEN, type TestServer } from './helpers/server';

/** The progress report as PDF: its text, read back with pdf-parse, carries the figures of the JSON report. */
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ runtime: { clock: fixedClock('2026-06-30T09:00:00.000Z') } });
  await loadDemoData(server.runtime);
}, 120_000);
afterAll(() => server?.close());

test('format=pdf: a PDF whose text has the period, the as-of instant, every figure and the installations chart', async () => {
  const query = 'from=2026-01-01&to=2026-03-31';
  const report = (await api<ProgressReport>(server.url, 'GET', `/api/reports/progress?${query}`)).body;
  const res = await fetch(`${server.url}/api/reports/progress?${query}&format=pdf`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  expect(res.headers.get('content-disposition')).toBe('attachment; filename="progress-report-2026-01-01-to-2026-03-31.pdf"');
  const bytes = Buffer.from(await res.arrayBuffer());
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  const text = (await pdfText(bytes)).replace(/\s+/g, ' ');
  expect(text).toContain('Q1 2026');
  expect(text).toContain(`Figures as of ${report.period.end}`);
  for (const [name, value] of reportFigures(report)) expect({ name, found: text.includes(`${name} ${value}`) }).toEqual({ name, found: true });
  expect(text).toContain('Installations per quarter');
  for (const q of report.installationsByQuarter.slice(-12)) expect(text).toContain(q.quarter.replace('-', ' '));
  // The Markdown says the same figures.
  const md = await api(server.url, 'GET', `/api/reports/progress?${query}&format=md`);
  for (const [name, value] of reportFigures(report)) expect(md.body).toContain(`| ${name} | ${value} |`);
});
