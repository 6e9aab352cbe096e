import type { Request, Response } from 'express';
import { z } from 'zod';

/**
 * CSV answers for the office lists: `format=csv` or `Accept: text/csv`. A text cell that begins
 * with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet shows it
 * as text instead of running it as a formula; numbers are written as numbers.
 */
export const formatParam = z.enum(['json', 'csv']).optional();

export function wantsCsv(req: Request, format: string | undefined): boolean {
  if (format) return format === 'csv';
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

export type Cell = string | number | boolean | null | undefined;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Sends the table as a download named `name.csv`. */
export function sendCsv(res: Response, name: string, header: string[], rows: Cell[][]): void {
  res.type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '-')}.csv"`);
  res.send(toCsv(header, rows));
}
