import type { Response } from 'express';
import { z } from 'zod';
import { AUDIT_CSV_COLUMNS, auditCsvLine, auditLines } from '../programme/export';
import type { ExportStore } from '../storage/export-store';
import { HttpError } from './errors';
import { periodBounds, streamLines } from './stream';

const bound = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** Query fields GET /api/audit takes for a download: `format`, and the period (`to` as a date includes that day). */
export const auditExportQuery = {
  format: z.enum(['csv', 'jsonl']).optional(),
  from: bound.optional(),
  to: bound.optional(),
};

export async function streamAudit(store: ExportStore, res: Response, query: { format?: 'csv' | 'jsonl'; from?: string; to?: string; actor?: string }): Promise<void> {
  const period = periodBounds(query.from, query.to);
  if (period.from >= period.to) throw new HttpError(400, 'invalid_period', 'The period is empty: "from" must be before "to" (a date as "to" includes that day).', period);
  const actor = query.actor;
  const rows = async function* () {
    for await (const line of auditLines(store, period)) if (!actor || line.actor === actor) yield line;
  };
  const name = `audit-${(query.from ?? 'start').slice(0, 10)}-${(query.to ?? 'now').slice(0, 10)}`;
  if (query.format === 'csv') {
    const lines = async function* () {
      for await (const line of rows()) yield auditCsvLine(line);
    };
    await streamLines(res, lines(), 'text/csv; charset=utf-8', `${name}.csv`, AUDIT_CSV_COLUMNS.join(','));
  } else {
    const lines = async function* () {
      for await (const line of rows()) yield JSON.stringify(line);
    };
    await streamLines(res, lines(), 'application/x-ndjson; charset=utf-8', `${name}.jsonl`);
  }
}
