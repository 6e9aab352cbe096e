import { getAllCountries } from 'countries-and-timezones';
import type { Runtime } from '../../app/runtime';
import type { BroadcastView } from '../../programme/broadcast';
import { listBroadcasts } from '../../programme/broadcast';
import type { CsvImportResult } from '../../programme/csv-import';
import { listGoldDisks } from '../../programme/gold-disk';
import { renderReportArticle } from '../../programme/report/html';
import type { ProgressReport } from '../../programme/report/progress';
import { enrollableFocalPoints, getWorkshop, listWorkshops } from '../../programme/workshops';
import { isOfficeEventType } from '../../machines/events';
import { eventAction, eventDone } from '../../machines/labels';
import { stateLabel } from './data';
import { html, queryString, raw, type Html } from './html';
import { countryName, number, page, when } from './layout';

/**
 * Dashboard pages for running the programme: the progress report, workshops, Gold Disk releases,
 * circular letters and the CSV office import. Plain HTML forms (no script needed); every write
 * carries the session's CSRF token as `_csrf` and answers with a redirect to the page that shows
 * its result.
 */
export const csrf = (token: string | undefined) => (token ? html`<input type="hidden" name="_csrf" value="${token}">` : '');

const countries = Object.values(getAllCountries())
  .map((c) => ({ code: c.id, name: c.name }))
  .sort((a, b) => a.name.localeCompare(b.name));

const DONE_MESSAGES: Record<string, string> = {
  created: 'Workshop planned.',
  enrolled: 'Focal points enrolled.',
  attendance: 'Attendance recorded: the offices whose focal points attended are trained, the others are back to waiting for a workshop.',
  cancelled: 'Workshop cancelled; its focal points wait for another workshop.',
};

function flash(done: string | undefined): Html {
  const text = done ? DONE_MESSAGES[done] : undefined;
  return text ? html`<div class="message ok" role="status">${text}</div>` : html``;
}

function subnav(current: string): Html {
  const links: [string, string][] = [
    ['/programme', 'Programme'],
    ['/programme/report', 'Progress report'],
    ['/programme/workshops', 'Workshops'],
    ['/programme/gold-disk', 'Gold Disk'],
    ['/programme/letters', 'Circular letters'],
    ['/programme/import', 'Import offices'],
    ['/programme/webhooks', 'Webhooks'],
    ['/programme/replies', 'Unmatched replies'],
  ];
  return html`<nav class="filters card" aria-label="Programme">${links.map(
    ([href, label]) => html`<a class="btn${href === current ? '' : ' secondary'}" href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a> `,
  )}</nav>`;
}

export function shell(title: string, current: string, body: Html, csrfToken?: string): string {
  return page({ title, section: 'programme', csrfToken, body: html`${subnav(current)}${body}` });
}

export function errorPage(title: string, message: string, back: string): string {
  return shell(
    title,
    back,
    html`<div class="message error" role="alert"><strong>${title}</strong> ${message}</div><p><a class="btn secondary" href="${back}">Back</a></p>`,
  );
}

// --- hub

export async function renderProgrammeHome(runtime: Runtime): Promise<string> {
  const disks = await listGoldDisks(runtime);
  const workshops = await listWorkshops(runtime);
  const planned = workshops.filter((w) => w.status === 'planned');
  const unfinished = (await listBroadcasts(runtime, 200)).filter((b) => b.finishedAt === null);
  const body = html`<div class="page-head"><div><h1>Running the programme</h1>
<p class="muted">Workshops, Gold Disk releases, circular letters, the quarterly progress report and office imports.</p></div></div>
<div class="figures">
  <a class="figure" href="/programme/workshops"><span class="value">${number(planned.length)}</span><span class="name">workshops planned</span></a>
  <a class="figure" href="/programme/gold-disk"><span class="value">${disks.current ?? '—'}</span><span class="name">current Gold Disk</span></a>
  <a class="figure" href="/programme/gold-disk"><span class="value">${number(disks.onHold)}</span><span class="name">offices on hold</span></a>
  <a class="figure${unfinished.length ? ' stuck' : ''}" href="/programme/gold-disk"><span class="value">${number(unfinished.length)}</span><span class="name">unfinished broadcasts</span></a>
</div>
<section class="card"><h2>Recent broadcasts</h2>${broadcastTable(await listBroadcasts(runtime, 10))}</section>`;
  return shell('Programme', '/programme', body);
}

// --- report

export function renderReportPage(report: ProgressReport): string {
  const q = { from: report.period.from, to: report.period.to };
  const body = html`<div class="page-head"><div><h1>Progress report</h1>
<p class="muted">Computed from the office histories as of the end of the period; a past period never changes.</p></div></div>
<form class="card filters" method="get" action="/programme/report" aria-label="Report period">
  <label class="field" for="r-from">From<input type="date" id="r-from" name="from" value="${report.period.from}" required></label>
  <label class="field" for="r-to">To<input type="date" id="r-to" name="to" value="${report.period.to}" required></label>
  <button class="btn" type="submit">Show</button>
  <a class="btn secondary" href="/api/reports/progress${queryString({ ...q, format: 'md' })}">Download Markdown</a>
  <a class="btn secondary" href="/api/reports/progress${queryString({ ...q, format: 'html' })}">Printable HTML</a>
  <a class="btn secondary" href="/api/reports/progress${queryString(q)}">JSON</a>
</form>
<div class="card">${raw(renderReportArticle(report))}</div>`;
  return shell(`Progress report ${report.period.label}`, '/programme/report', body);
}

// --- workshops

function workshopForm(csrfToken?: string): Html {
  return html`<form class="card stack" method="post" action="/programme/workshops" aria-labelledby="new-ws">${csrf(csrfToken)}
<h2 id="new-ws">Plan a workshop</h2>
<div class="filters">
  <label class="field" for="w-title">Title<input type="text" id="w-title" name="title" required maxlength="300" value="WIPOnet training workshop"></label>
  <label class="field" for="w-city">City<input type="text" id="w-city" name="city" required maxlength="200"></label>
  <label class="field" for="w-country">Country<select id="w-country" name="country" required><option value="">Choose…</option>${countries.map(
    (c) => html`<option value="${c.code}">${c.name}</option>`,
  )}</select></label>
  <label class="field" for="w-start">Start<input type="date" id="w-start" name="start" required></label>
  <label class="field" for="w-end">End<input type="date" id="w-end" name="end" required></label>
  <label class="field" for="w-capacity">Places<input type="text" inputmode="numeric" id="w-capacity" name="capacity" required value="20"></label>
</div>
<p><button class="btn" type="submit">Plan workshop</button></p>
</form>`;
}

export async function renderWorkshops(runtime: Runtime, csrfToken?: string, done?: string): Promise<string> {
  const list = await listWorkshops(runtime);
  const body = html`<div class="page-head"><div><h1>Workshops</h1><p class="muted">Training workshops for the offices' focal points.</p></div></div>
${flash(done)}
<section class="card"><h2>All workshops</h2>${
    list.length === 0
      ? html`<p class="empty">No workshop yet.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Workshop</th><th scope="col">Where</th><th scope="col">Dates</th><th scope="col">Status</th><th scope="col" class="num">Enrolled</th><th scope="col" class="num">Places</th></tr></thead><tbody>${list.map(
          (w) => html`<tr><td><a href="/programme/workshops/${encodeURIComponent(w.id)}">${w.title}</a><div class="small muted">${w.id}</div></td>
<td>${w.city}, ${countryName(w.country)}</td><td class="nowrap">${w.start} – ${w.end}</td><td><span class="badge state">${w.status}</span></td>
<td class="num">${w.enrolled}</td><td class="num">${w.capacity}</td></tr>`,
        )}</tbody></table></div>`
  }</section>
${workshopForm(csrfToken)}`;
  return shell('Workshops', '/programme/workshops', body, csrfToken);
}

/** An enrolment that was refused: what was ticked stays ticked, and the page says how to fix it. */
export interface EnrolProblem {
  selected: number[];
  message: string;
  /** The capacity that would fit the selection: offered as a one-click fix. */
  raiseTo?: number;
}

export async function renderWorkshop(runtime: Runtime, id: string, csrfToken?: string, done?: string, problem?: EnrolProblem): Promise<string> {
  const w = await getWorkshop(runtime, id);
  const open = w.enrolments.filter((e) => e.attendance === null);
  const candidates = w.status === 'planned' ? await enrollableFocalPoints(runtime) : [];
  const action = (what: string) => `/programme/workshops/${encodeURIComponent(w.id)}/${what}`;
  const body = html`<div class="page-head"><div><h1>${w.title}</h1>
<p class="muted">${w.city}, ${countryName(w.country)} · ${w.start} – ${w.end} · <span class="badge state">${w.status}</span> · ${w.enrolled} of ${w.capacity} places taken</p></div>
<a class="btn secondary" href="/api/workshops/${encodeURIComponent(w.id)}/invitation.ics" download>Add to calendar (.ics)</a></div>
${flash(done)}
${
  problem
    ? html`<div class="message error" role="alert" id="enrol-problem"><strong>Nobody was enrolled.</strong> ${problem.message}${
        problem.raiseTo && w.status === 'planned'
          ? html`<form method="post" action="${action('enrol')}" class="inline">${csrf(csrfToken)}${problem.selected.map(
              (id) => html`<input type="hidden" name="focalPointId" value="${id}">`,
            )}<input type="hidden" name="capacity" value="${problem.raiseTo}"> <button class="btn secondary" type="submit" id="raise-and-enrol">Raise to ${problem.raiseTo} places and enrol the ${problem.selected.length} ticked</button></form>`
          : ''
      }</div>`
    : ''
}
<section class="card"><h2>Enrolled focal points</h2>${
    w.enrolments.length === 0
      ? html`<p class="empty">Nobody is enrolled yet.</p>`
      : w.status === 'planned'
        ? html`<form method="post" action="${action('attendance')}">${csrf(csrfToken)}
<p class="muted">After the workshop, tick who attended. Each office with a focal point present is trained; each office whose focal points all missed it gets a no-show.</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Attended</th><th scope="col">Focal point</th><th scope="col">Office</th></tr></thead><tbody>${open.map(
            (e) => html`<tr><td><input type="checkbox" name="attended" value="${e.focalPointId}" id="a-${e.focalPointId}" aria-label="${e.name} attended"></td>
<td><label for="a-${e.focalPointId}">${e.name}</label><div class="small muted">${e.email}</div></td><td><a href="/offices/${encodeURIComponent(e.officeId)}">${e.officeName}</a></td></tr>`,
          )}</tbody></table></div>
<p><button class="btn" type="submit">Record attendance</button></p></form>`
        : enrolmentTable(w.enrolments)
  }</section>
${
  w.status === 'planned'
    ? html`<section class="card"><h2>Enrol focal points</h2>${
        candidates.length === 0
          ? html`<p class="empty">No nominated focal point is waiting for a workshop.</p>`
          : html`<form method="post" action="${action('enrol')}">${csrf(csrfToken)}
<div class="table-wrap"><table><thead><tr><th scope="col">Enrol</th><th scope="col">Focal point</th><th scope="col">Office</th><th scope="col">Country</th></tr></thead><tbody>${candidates.map(
              (f) => html`<tr><td><input type="checkbox" name="focalPointId" value="${f.id}" id="e-${f.id}" aria-label="Enrol ${f.name}"${problem?.selected.includes(f.id) ? html` checked` : ''}></td>
<td><label for="e-${f.id}">${f.name}</label><div class="small muted">${f.email}${f.status === 'no-show' ? ' · missed a workshop' : ''}</div></td>
<td><a href="/offices/${encodeURIComponent(f.officeId)}">${f.officeName}</a></td><td>${countryName(f.country)}</td></tr>`,
            )}</tbody></table></div>
<p><button class="btn" type="submit">Enrol selected (${w.placesLeft} places left)</button></p></form>`
      }</section>
<section class="card"><h2>Cancel</h2><form method="post" action="${action('cancel')}">${csrf(csrfToken)}
<p class="muted">The enrolled focal points go back to waiting for a workshop.</p><button class="btn warn" type="submit">Cancel this workshop</button></form></section>`
    : ''
}`;
  return shell(w.title, '/programme/workshops', body, csrfToken);
}

function enrolmentTable(rows: Awaited<ReturnType<typeof getWorkshop>>['enrolments']): Html {
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Focal point</th><th scope="col">Office</th><th scope="col">Attendance</th></tr></thead><tbody>${rows.map(
    (e) => html`<tr><td>${e.name}<div class="small muted">${e.email}</div></td><td><a href="/offices/${encodeURIComponent(e.officeId)}">${e.officeName}</a></td>
<td>${e.attendance ?? '—'}</td></tr>`,
  )}</tbody></table></div>`;
}

// --- Gold Disk and broadcasts

function broadcastTable(list: Awaited<ReturnType<typeof listBroadcasts>>): Html {
  if (list.length === 0) return html`<p class="empty">No broadcast yet.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col" class="num">Done</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Pending</th></tr></thead><tbody>${list.map(
    (b) => html`<tr><td class="nowrap">${when(b.createdAt)}</td><td><a href="/programme/broadcasts/${encodeURIComponent(b.id)}">${b.description}</a>${
      b.finishedAt ? '' : html` <span class="badge stuck">unfinished</span>`
    }</td><td class="num">${b.counts.done}</td><td class="num">${b.counts.skipped}</td><td class="num">${b.counts.failed}</td><td class="num">${b.counts.pending}</td></tr>`,
  )}</tbody></table></div>`;
}

export async function renderGoldDisk(runtime: Runtime, csrfToken?: string): Promise<string> {
  const info = await listGoldDisks(runtime);
  const current = info.current;
  const body = html`<div class="page-head"><div><h1>Gold Disk</h1>
<p class="muted">Current version: <strong>${current ?? 'none'}</strong> · ${number(info.onHold)} office(s) on hold. Each change is sent office by office; the results are listed per office, and an interrupted one can be resumed.</p></div></div>
<section class="card"><h2>Versions</h2>${
    info.versions.length === 0
      ? html`<p class="empty">No version recorded.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Version</th><th scope="col">Released</th><th scope="col">Status</th><th scope="col" class="num">Kits shipped</th><th scope="col">Notes</th></tr></thead><tbody>${info.versions.map(
          (v) => html`<tr><td>${v.version}</td><td>${when(v.releasedAt, true)}</td><td><span class="badge state">${v.status}</span>${v.recallReason ? html`<div class="small muted">${v.recallReason}</div>` : ''}</td>
<td class="num">${v.kitsShipped}</td><td>${v.notes}</td></tr>`,
        )}</tbody></table></div>`
  }</section>
<div class="grid-2">
<form class="card stack" method="post" action="/programme/gold-disk/release">${csrf(csrfToken)}<h2>Release a version</h2>
<p class="muted">Every office on hold resumes deployment and waits for its kit again.</p>
<label class="field" for="g-version">Version<input type="text" id="g-version" name="version" required maxlength="50"></label>
<label class="field" for="g-notes">Notes<input type="text" id="g-notes" name="notes" maxlength="5000"></label>
<button class="btn" type="submit">Release</button></form>
<form class="card stack" method="post" action="/programme/gold-disk/hold">${csrf(csrfToken)}<h2>${current ? 'Recall or hold' : 'Hold deployment'}</h2>
<p class="muted">Every office awaiting or receiving a kit is held. You see which offices before anything happens, and confirm.</p>
${current ? html`<label class="field check" for="g-recall"><input type="checkbox" id="g-recall" name="recall" value="${current}"> Recall version ${current}</label>` : ''}
<label class="field" for="g-reason">Reason<input type="text" id="g-reason" name="reason" required maxlength="2000"></label>
<button class="btn warn" type="submit">Preview the hold</button></form>
</div>
<section class="card"><h2>Broadcasts</h2>${broadcastTable(await listBroadcasts(runtime, 50))}</section>`;
  return shell('Gold Disk', '/programme/gold-disk', body, csrfToken);
}

/**
 * The step between asking for a hold (or a recall) and running it: how many offices, which ones,
 * and a Confirm button that posts the same request with `confirm=yes` and the count it showed.
 */
export function renderHoldPreview(
  input: { reason: string; recall?: string },
  offices: { id: string; name: string; country: string; states: string[] }[],
  problem: string | null,
  csrfToken?: string,
): string {
  const what = input.recall ? `Recall Gold Disk ${input.recall} and hold deployment` : eventAction('DEPLOYMENT_HELD');
  const body = html`<div class="page-head"><div><h1>${what}: confirm</h1>
<p class="muted">Reason: ${input.reason}</p></div></div>
${problem ? html`<div class="message warning" role="alert"><strong>Not done yet.</strong> ${problem}</div>` : ''}
<section class="card" aria-labelledby="preview-heading"><h2 id="preview-heading" data-count="${offices.length}">${
    offices.length === 0 ? 'No office awaits or receives a kit: nothing would be held.' : `${number(offices.length)} office${offices.length === 1 ? '' : 's'} will be held`
  }</h2>${
    offices.length
      ? html`<p class="muted">Each goes on hold until the next Gold Disk release; kits already shipped stay on their record.</p>
<div class="table-wrap"><table id="hold-preview"><thead><tr><th scope="col">Office</th><th scope="col">Country</th><th scope="col">Now</th></tr></thead><tbody>${offices.map(
          (o) => html`<tr data-office="${o.id}"><td><a href="/offices/${encodeURIComponent(o.id)}">${o.name}</a><div class="small muted">${o.id}</div></td><td>${countryName(o.country)}</td><td>${o.states.map(stateLabel).join(', ')}</td></tr>`,
        )}</tbody></table></div>`
      : ''
  }</section>
<form class="card" method="post" action="/programme/gold-disk/hold">${csrf(csrfToken)}
<input type="hidden" name="reason" value="${input.reason}">
${input.recall ? html`<input type="hidden" name="recall" value="${input.recall}">` : ''}
<input type="hidden" name="expectedCount" value="${offices.length}">
<input type="hidden" name="confirm" value="yes">
<p><strong>This cannot be undone</strong> except by releasing a new Gold Disk.</p>
<button class="btn warn" type="submit" id="confirm-hold">Confirm: ${what.charAt(0).toLowerCase() + what.slice(1)} (${number(offices.length)} office${offices.length === 1 ? '' : 's'})</button>
<a class="btn secondary" href="/programme/gold-disk">Cancel</a></form>`;
  return shell(`${what}: confirm`, '/programme/gold-disk', body, csrfToken);
}

export function renderBroadcast(b: BroadcastView, csrfToken?: string): string {
  const body = html`<div class="page-head"><div><h1>${b.description}</h1>
<p class="muted">${isOfficeEventType(b.event.type) ? eventDone(b.event.type) : b.event.type} · by ${b.actor} · ${when(b.createdAt)} · ${b.finishedAt ? html`finished ${when(b.finishedAt)}` : html`<strong>unfinished</strong>`}</p></div></div>
<div class="figures">
  <span class="figure installed"><span class="value">${b.counts.done}</span><span class="name">done</span></span>
  <span class="figure"><span class="value">${b.counts.skipped}</span><span class="name">skipped</span></span>
  <span class="figure${b.counts.failed ? ' stuck' : ''}"><span class="value">${b.counts.failed}</span><span class="name">failed</span></span>
  <span class="figure"><span class="value">${b.counts.pending}</span><span class="name">pending</span></span>
</div>
${
  b.running
    ? html`<p class="card" role="status">Running: ${b.total - b.counts.pending} of ${b.total} office(s) processed. Reload the page for progress.</p>`
    : b.counts.pending > 0
    ? html`<form class="card" method="post" action="/programme/broadcasts/${encodeURIComponent(b.id)}/resume">${csrf(csrfToken)}
<p>${b.counts.pending} office(s) were not processed (the run was interrupted). Offices already done are not repeated.</p><button class="btn" type="submit">Resume</button></form>`
    : ''
}
<section class="card"><h2>Result per office</h2>${
    b.offices.length === 0
      ? html`<p class="empty">No office was concerned.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Office</th><th scope="col">Country</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead><tbody>${b.offices.map(
          (o) => html`<tr><td><a href="/offices/${encodeURIComponent(o.officeId)}">${o.name ?? o.officeId}</a><div class="small muted">${o.officeId}</div></td>
<td>${o.country ? countryName(o.country) : ''}</td><td><span class="badge${o.status === 'failed' ? ' stuck' : o.status === 'skipped' ? ' stalled' : ''}">${o.status}</span></td>
<td>${o.message ?? (o.version !== null ? `now at version ${o.version}` : '')}</td></tr>`,
        )}</tbody></table></div>`
  }</section>`;
  return shell(b.description, '/programme/gold-disk', body, csrfToken);
}

// --- CSV import

export function renderImport(csrfToken?: string, result?: CsvImportResult, errors?: { line: number; message: string }[]): string {
  const body = html`<div class="page-head"><div><h1>Import offices</h1>
<p class="muted">A CSV file with a header row: <code>id, name, country, city, language, contact name, contact email</code> (optional <code>track</code>). New ids are registered; existing offices get their details updated where they differ. If any line is wrong, nothing is imported.</p></div></div>
${errors ? html`<div class="message error" role="alert"><strong>Nothing was imported.</strong> ${errors.length} problem(s):<ul>${errors.map((e) => html`<li>Line ${e.line}: ${e.message}</li>`)}</ul></div>` : ''}
${
  result
    ? html`<div class="message ok" role="status">${result.dryRun ? 'Checked, nothing written: would create' : 'Imported: created'} ${result.created}, ${result.dryRun ? 'update' : 'updated'} ${result.updated}, ${result.unchanged} unchanged.</div>
${
  result.offices.some((o) => o.action !== 'unchanged')
    ? html`<section class="card"><div class="table-wrap"><table><thead><tr><th scope="col" class="num">Line</th><th scope="col">Office</th><th scope="col">Action</th><th scope="col">Changed</th></tr></thead><tbody>${result.offices
        .filter((o) => o.action !== 'unchanged')
        .map((o) => html`<tr><td class="num">${o.line}</td><td><a href="/offices/${encodeURIComponent(o.id)}">${o.id}</a></td><td>${o.action}</td><td>${o.changes.join(', ')}</td></tr>`)}</tbody></table></div></section>`
    : ''
}`
    : ''
}
<form class="card stack" method="post" action="/programme/import" enctype="multipart/form-data">${csrf(csrfToken)}
<label class="field" for="i-file">CSV file<input type="file" id="i-file" name="file" accept=".csv,text/csv" required></label>
<label class="field check" for="i-dry"><input type="checkbox" id="i-dry" name="dryRun" value="1"> Only check the file (write nothing)</label>
<p><button class="btn" type="submit">Import</button></p>
</form>`;
  return shell('Import offices', '/programme/import', body, csrfToken);
}
