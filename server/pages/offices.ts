import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { countriesInUse, leafStates, stages, stateByPath, stateLabel } from './data';
import { html, queryString } from './html';
import { countryName, page, when } from './layout';
import { pager, PAGE_SIZE, pageParam, select } from './widgets';
import { FIGURE_LABELS, FIGURE_NAMES } from '../../engine/figures';
import type { OfficeFilter } from '../../storage/types';

const known = (set: (s: string) => boolean) => z.string().refine(set).optional().catch(undefined);

export const officesQuery = z.object({
  stage: known((s) => stages.some((st) => st.path === s)),
  state: known((s) => stateByPath.has(s)),
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/)
    .transform((c) => c.toUpperCase())
    .optional()
    .catch(undefined),
  q: z.string().trim().max(200).optional().catch(undefined),
  stalled: z
    .enum(['1', 'on', 'true'])
    .transform(() => true)
    .optional()
    .catch(undefined),
  figure: z.enum(FIGURE_NAMES).optional().catch(undefined),
  page: pageParam,
  /** `csv`: every office of the filtered list (not one page) as a CSV download. */
  format: z.enum(['csv']).optional().catch(undefined),
});

export type OfficesQuery = z.infer<typeof officesQuery>;

/** `/offices`: every office, filtered by stage, state, country and stalled, searched by name or id, a page at a time. */
/** The list's filters as the store takes them; the page and its CSV download use the same. */
export function officesFilter(query: OfficesQuery, now: Date): OfficeFilter {
  return {
    stage: query.stage,
    state: query.state,
    country: query.country,
    q: query.q || undefined,
    stalledAt: query.stalled ? now.toISOString() : undefined,
    figure: query.figure ? { name: query.figure, at: now.toISOString() } : undefined,
  };
}

export async function renderOffices(runtime: Runtime, query: OfficesQuery): Promise<string> {
  const now = runtime.engine.clock.now();
  const { offices, total } = await runtime.store.listOffices({ ...officesFilter(query, now), limit: PAGE_SIZE, offset: (query.page - 1) * PAGE_SIZE });
  const filters = {
    figure: query.figure,
    stage: query.stage,
    state: query.state,
    country: query.country,
    q: query.q,
    stalled: query.stalled ? '1' : undefined,
  };
  const link = (p: number) => `/offices${queryString({ ...filters, page: p > 1 ? p : undefined })}`;
  const filtered = Object.values(filters).some((v) => v);
  const stateOptions: [string, string][] = [['', 'All states'], ...leafStates.map((s) => [s.path, stateLabel(s.path)] as [string, string])];
  const heading = query.figure
    ? FIGURE_LABELS[query.figure]
    : query.state
      ? `Offices in ${stateLabel(query.state)}`
      : query.stage
        ? `Offices in ${stateLabel(query.stage)}`
        : 'Offices';
  const body = html`<div class="page-head">
  <div><h1>${heading}</h1><p class="muted">Search by name or id; filter by headline figure, stage, state, country or stalled.</p></div>
  <div class="actions"><a class="btn secondary" href="/offices${queryString({ ...filters, format: 'csv' })}" download>Download CSV</a> <a class="btn" href="/register">Register office</a></div>
</div>
<form class="card filters" method="get" action="/offices" role="search" aria-label="Filter offices">
  ${select('figure', 'Figure', query.figure, [['', 'All offices'], ...FIGURE_NAMES.map((f) => [f, FIGURE_LABELS[f]] as [string, string])])}
  <label class="field" for="f-q">Name or id<input type="search" id="f-q" name="q" value="${query.q ?? ''}" placeholder="e.g. Kenya or KE-IPO"></label>
  ${select('stage', 'Stage', query.stage, [['', 'All stages'], ...stages.map((s) => [s.path, s.meta.label] as [string, string])])}
  ${select('state', 'State', query.state, stateOptions)}
  ${select('country', 'Country', query.country, [['', 'All countries'], ...(await countriesInUse(runtime)).map((c) => [c, `${countryName(c)} (${c})`] as [string, string])])}
  <label class="field check" for="f-stalled"><input type="checkbox" id="f-stalled" name="stalled" value="1"${query.stalled ? html` checked` : ''}> Stalled only</label>
  <button class="btn" type="submit">Search</button>
  ${filtered ? html`<a class="btn secondary" href="/offices">Clear</a>` : ''}
</form>
<section class="card" data-live-region="offices" aria-label="Offices">
${
  offices.length === 0
    ? html`<p class="empty">${filtered ? 'No office matches these filters.' : html`No office yet. <a href="/register">Register the first one</a>.`}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Office</th><th scope="col">Country</th><th scope="col">Stage</th><th scope="col">Current states</th><th scope="col">Track</th><th scope="col">Last change</th></tr></thead>
<tbody>${offices.map(
        (o) => html`<tr data-office="${o.id}">
<td><a href="/offices/${encodeURIComponent(o.id)}">${o.name}</a><div class="small muted">${o.id}</div></td>
<td>${countryName(o.country)}</td>
<td>${stateLabel(o.stage)}</td>
<td>${o.states.map((s) => html`<span class="badge state">${stateLabel(s)}</span> `)}</td>
<td>${o.track === 'kit' ? 'Kit' : 'Internet'}</td>
<td>${when(o.updatedAt)}</td>
</tr>`,
      )}</tbody></table></div>`
}
${pager(query.page, total, link, 'offices')}
</section>`;
  return page({ title: heading, section: 'offices', body, data: { live: 'any' } });
}
