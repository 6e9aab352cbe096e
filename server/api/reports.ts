import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { REPORT_STYLE, renderReportHtml } from '../../programme/report/html';
import { renderMarkdown } from '../../programme/report/markdown';
import { renderPdf } from '../../programme/report/pdf';
import { computeProgressReport } from '../../programme/report/progress';
import { boundedDay } from './schemas';
import { route, type AnyRoute } from '../route';
import { progressReportSchema } from './report-schemas';

// The standalone HTML carries its own stylesheet; this policy allows exactly that stylesheet.
const STANDALONE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(REPORT_STYLE).digest('base64')}'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export function reportRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/reports/progress',
      summary:
        'Quarterly progress report computed from the history as of the end of the period (default: the last complete calendar quarter); format=md, html or pdf for the document',
      tag: 'reports',
      access: 'viewer',
      query: z.object({
        from: boundedDay.optional(),
        to: boundedDay.optional(),
        format: z.enum(['json', 'md', 'html', 'pdf']).default('json'),
      }),
      responses: {
        200: {
          description: 'The report: JSON, or with format=md html or pdf the Markdown, standalone HTML or PDF document',
          schema: progressReportSchema,
          text: ['text/markdown', 'text/html', 'application/pdf'],
        },
      },
      handler: async ({ query, res }) => {
        const report = await computeProgressReport(runtime.storage, runtime.engine.clock.now(), { from: query.from, to: query.to, policies: runtime.reminders.policies });
        const name = `progress-report-${report.period.from}-to-${report.period.to}`;
        if (query.format === 'pdf') {
          const pdf = await renderPdf(report, runtime.engine.clock.now());
          res.type('application/pdf');
          res.setHeader('Content-Disposition', `attachment; filename="${name}.pdf"`);
          res.send(pdf);
          return;
        }
        if (query.format === 'md') {
          res.type('text/markdown; charset=utf-8');
          res.setHeader('Content-Disposition', `attachment; filename="${name}.md"`);
          res.send(renderMarkdown(report));
          return;
        }
        if (query.format === 'html') {
          res.type('text/html; charset=utf-8');
          res.setHeader('Content-Security-Policy', STANDALONE_CSP);
          res.send(renderReportHtml(report));
          return;
        }
        return report;
      },
    }),
  ];
}
