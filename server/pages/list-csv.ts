import type { Response } from 'express';
import type { Runtime } from '../../app/runtime';
import type { StuckRow } from '../../reminders/stalled';
import type { OfficeRecord } from '../../storage/types';
import { sendOfficesCsv, sendStuckCsv } from '../csv-lists';
import { officesFilter, type OfficesQuery } from './offices';
import type { StuckQuery } from './stuck';

/** Rows are read a batch at a time so one statement never holds the connection for the whole list. */
const BATCH = 1000;

/** The page's "Download CSV": every office the filters select, in the page's order, not one page of them. */
export async function sendOfficesPageCsv(runtime: Runtime, query: OfficesQuery, res: Response): Promise<void> {
  const filter = officesFilter(query, runtime.engine.clock.now());
  const rows: OfficeRecord[] = [];
  for (let offset = 0; ; offset += BATCH) {
    const { offices, total } = await runtime.store.listOffices({ ...filter, limit: BATCH, offset });
    rows.push(...offices);
    if (offices.length === 0 || offset + BATCH >= total) break;
  }
  sendOfficesCsv(res, rows);
}

export async function sendStuckPageCsv(runtime: Runtime, query: StuckQuery, res: Response): Promise<void> {
  const now = runtime.engine.clock.now();
  const rows: StuckRow[] = [];
  for (let offset = 0; ; offset += BATCH) {
    const page = await runtime.reminders.stuck.listStuck(now, { status: query.status, owner: query.owner, stage: query.stage, limit: BATCH, offset });
    rows.push(...page.rows);
    if (page.rows.length === 0 || offset + BATCH >= page.total) break;
  }
  sendStuckCsv(res, rows);
}
