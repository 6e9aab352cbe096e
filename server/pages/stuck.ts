import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import type { StuckRow } from '../../reminders/stalled';
import { stages, stateLabel } from './data';
import { html, queryString, type Html } from './html';
import { countryName, number, page, when } from './layout';
import { pager, PAGE_SIZE, pageParam, select } from './widgets';

/** Page queries never fail: a bad value is ignored, so a hand-edited URL still shows a page. */
export const stuckQuery = z.object({
  status: z.enum(['stuck']).optional().catch(undefined),
  owner: z.enum(['office', 'wipo']).optional().catch(undefined),
  stage: z
    .string()
    .refine((s) => stages.some((st) => st.path === s))
    .optional()
    .catch(undefined),
  page: pageParam,
  /** `csv`: every office of the filtered list (not one page) as a CSV download. */
  format: z.enum(['csv']).optional().catch(undefined),
});

export type StuckQuery = z.infer<typeof stuckQuery>;

export async function renderStuck(runtime: Runtime, query: StuckQuery): Promise<string> {
  const now = runtime.engine.clock.now();
  const { rows, total } = await runtime.reminders.stuck.listStuck(now, {
    status: query.status,
    owner: query.owner,
    stage: query.stage,
    limit: PAGE_SIZE,
    offset: (query.page - 1) * PAGE_SIZE,
  });
  const link = (p: number) => `/stuck${queryString({ status: query.status, owner: query.owner, stage: query.stage, page: p > 1 ? p : undefined })}`;
  const filtered = Boolean(query.status || query.owner || query.stage);
  const body = html`<div class="page-head">
  <div><h1>${query.status === 'stuck' ? 'Stuck offices' : 'Stuck and stalled offices'}</h1><p class="muted">Each office once: <strong>stuck</strong> ones first (escalated to the coordinator after their reminders), then <strong>stalled</strong> ones (past a deadline, reminders running); most overdue first within each.</p></div>
  <a class="btn secondary" href="/stuck${queryString({ status: query.status, owner: query.owner, stage: query.stage, format: 'csv' })}" download>Download CSV</a>
</div>
<form class="card filters" method="get" action="/stuck" role="search" aria-label="Filter stuck offices">
  ${select('status', 'Status', query.status, [
    ['', 'Stuck and stalled'],
    ['stuck', 'Stuck only'],
  ])}
  ${select('owner', 'Waiting on', query.owner, [
    ['', 'Anyone'],
    ['office', 'The office'],
    ['wipo', 'WIPO'],
  ])}
  ${select('stage', 'Stage', query.stage, [['', 'All stages'], ...stages.map((s) => [s.path, s.meta.label] as [string, string])])}
  <button class="btn" type="submit">Filter</button>
  ${filtered ? html`<a class="btn secondary" href="/stuck">Clear</a>` : ''}
</form>
<section class="card" data-live-region="stuck" aria-labelledby="stuck-heading">
  <h2 id="stuck-heading" class="sr-only">Stuck and stalled offices</h2>
  ${rows.length === 0 ? html`<p class="empty">No ${query.status === 'stuck' ? 'stuck' : 'stalled'} office${filtered ? ' matches these filters' : ''}.</p>` : stuckTable(rows)}
  ${pager(query.page, total, link, query.status === 'stuck' ? 'stuck offices' : 'stalled offices')}
</section>`;
  return page({ title: 'Stuck offices', section: 'stuck', body, data: { live: 'any' } });
}

function stuckTable(rows: StuckRow[]): Html {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Office</th><th scope="col">Country</th><th scope="col">State</th><th scope="col">Status</th><th scope="col">Waiting on</th>
<th scope="col" class="num">Days in state</th><th scope="col" class="num">Days overdue</th><th scope="col" class="num">Reminders sent</th>
<th scope="col">Last email</th><th scope="col">Next reminder</th></tr></thead>
<tbody>${rows.map(
    (r) => html`<tr data-office="${r.officeId}">
<td><a href="/offices/${encodeURIComponent(r.officeId)}">${r.name}</a><div class="small muted">${r.officeId}</div></td>
<td>${countryName(r.country)}</td>
<td>${stateLabel(r.state)}${r.otherStates.length ? html`<div class="small muted">also stalled: ${r.otherStates.map(stateLabel).join(', ')}</div>` : ''}</td>
<td>${r.escalated ? html`<span class="badge stuck">Stuck</span>` : html`<span class="badge stalled">Stalled</span>`}${
      r.pauseReason ? html`<div class="small muted">${r.pauseReason}</div>` : ''
    }</td>
<td><span class="badge owner-${r.owner}">${r.owner === 'wipo' ? 'WIPO' : 'Office'}</span></td>
<td class="num">${number(r.daysInState)}</td>
<td class="num">${number(r.daysOverdue)}</td>
<td class="num">${number(r.remindersSent)}</td>
<td>${when(r.lastEmailAt, true)}</td>
<td>${r.pausedUntil ? html`<span class="muted">paused until ${when(r.pausedUntil, true)}</span>` : when(r.nextReminderAt, true)}</td>
</tr>`,
  )}</tbody></table></div>`;
}
