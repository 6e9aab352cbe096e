import type { Runtime } from '../../app/runtime';
import { getOfficeView } from '../../engine/queries';
import type { OfficeView } from '../../engine/view';
import { describeMachine } from '../../machines/describe';
import { toEmailView } from '../../notifications/outbox';
import type { HistoryEntry, OfficeRecord } from '../../storage/types';
import { renderLifecycleList } from '../diagram/list';
import { machineLayout } from '../diagram/layout';
import { renderDiagram, traversedEdges, visitedStates } from '../diagram/svg';
import { stateByPath, stateLabel } from './data';
import { eventForm } from './forms';
import { html, queryString, raw, type Html } from './html';
import { countryName, page, when } from './layout';
import { officeTimeline } from './timeline';

const rootTransitions = describeMachine().root.transitions;

/** Where an event would take the office from its current states, from the machine's own transitions. */
function consequence(view: OfficeView, type: string): string {
  const active = new Set<string>(['']);
  for (const leaf of view.states) {
    const parts = leaf.split('.');
    for (let i = 1; i <= parts.length; i++) active.add(parts.slice(0, i).join('.'));
  }
  const targets = new Set<string>();
  for (const path of active) {
    const state = path === '' ? undefined : stateByPath.get(path);
    const transitions = path === '' ? rootTransitions : (state?.transitions ?? []);
    for (const t of transitions) if (t.event === type) for (const target of t.targets) targets.add(stateLabel(target));
  }
  return targets.size ? `Moves to ${[...targets].join(' or ')}.` : 'Records it; the state stays.';
}

async function reminders(runtime: Runtime, office: OfficeRecord, finished: boolean): Promise<Html> {
  const feature = runtime.reminders;
  const status = await feature.reminders.status(office);
  const pending = (await feature.reminders.timers(office)).filter((t) => t.status !== 'fired');
  const emails = (await feature.outbox.ofOffice(office.id)).map(toEmailView).reverse();
  const clocks = status.clocks;
  const settings = await feature.store.officeSettings(office.id);
  return html`${
    status.paused
      ? html`<div class="message warning"><strong>Reminders paused</strong> until ${when(status.paused.until, true)} by ${status.paused.by}: ${status.paused.reason}
<form class="inline" data-reminders="resume" data-office="${office.id}"><button class="btn secondary" type="submit">Resume reminders now</button></form></div>`
      : ''
  }
${
  clocks.length
    ? html`<ul class="clocks">${clocks.map(
        (c) => html`<li><strong>${stateLabel(c.state)}</strong> ${c.escalated ? html`<span class="badge stuck">Stuck</span>` : c.stalled ? html`<span class="badge stalled">Stalled</span>` : ''}
<div class="small muted">deadline ${when(c.deadline, true)}${c.stalled ? html` · ${c.daysOverdue} days overdue` : ''} · ${c.remindersSent} reminder${c.remindersSent === 1 ? '' : 's'} sent${
          c.nextReminderAt ? html` · next ${when(c.nextReminderAt, true)}` : ''
        }</div></li>`,
      )}</ul>`
    : html`<p class="muted">No deadline runs in ${finished ? 'a final state' : 'the current state'}.</p>`
}
<h3>Scheduled</h3>
${
  pending.length
    ? html`<ul class="email-list">${pending.map(
        (t) => html`<li>${t.kind === 'escalation' ? 'Escalation' : `Reminder ${t.level}`} · ${stateLabel(t.state)} · due ${when(t.dueAt)}${t.status === 'paused' ? html` <span class="badge">paused</span>` : ''}</li>`,
      )}</ul>`
    : html`<p class="muted">Nothing scheduled.</p>`
}
${
  !status.paused && !finished
    ? html`<details class="pause"><summary>Pause reminders…</summary>
<form class="fields" data-reminders="pause" data-office="${office.id}" novalidate>
<label class="field" for="pause-until">Until<input type="date" id="pause-until" name="until" required></label>
<label class="field" for="pause-reason">Reason<input type="text" id="pause-reason" name="reason" maxlength="2000" required autocomplete="off"></label>
<button class="btn secondary" type="submit">Pause reminders</button></form></details>`
    : ''
}
<details class="pause"><summary>Reminder settings…</summary>
<form class="fields" data-reminders="settings" data-office="${office.id}" novalidate>
<p class="small muted">Reminders to the office go out in business hours of ${status.timeZone}; WIPO-side ones go to ${await feature.reminders.coordinatorOf(office.id)}. Leave a field empty for the default.</p>
<label class="field" for="settings-zone">Time zone <span class="hint">(IANA, e.g. Africa/Nairobi)</span><input type="text" id="settings-zone" name="timeZone" maxlength="100" autocomplete="off" value="${settings.time_zone ?? ''}"></label>
<label class="field" for="settings-coordinator">Responsible coordinator's email<input type="email" id="settings-coordinator" name="coordinatorEmail" maxlength="320" autocomplete="off" value="${settings.coordinator_email ?? ''}"></label>
<button class="btn secondary" type="submit">Save settings</button></form></details>
<h3>Emails</h3>
${
  emails.length
    ? html`<ul class="email-list" id="emails">${emails.map(
        (e) => html`<li><strong>${e.subject}</strong> <span class="badge">${e.status}</span>${e.possiblySentTwice ? html` <span class="badge stalled">possibly sent twice</span>` : ''}
<div class="small muted">${e.kind} · to ${e.recipients.join(', ')} · ${e.sentAt ? html`sent ${when(e.sentAt)}` : html`queued ${when(e.createdAt)}`}${e.lastError ? html` · ${e.lastError}` : ''}</div></li>`,
      )}</ul>`
    : html`<p class="muted" id="emails">No email yet.</p>`
}`;
}

/**
 * Every kit shipped (date, Gold Disk version) and every deployment hold and release, from the
 * history and the shipment register: a hold sends the office back to waiting for a kit, but what
 * was shipped stays on record.
 */
async function kitRecord(runtime: Runtime, officeId: string, history: HistoryEntry[]): Promise<Html> {
  const shipped = new Map((await runtime.programme.shipmentsOf(officeId)).map((s) => [s.seq, s.version]));
  const rows = history.filter((e) => e.type === 'KIT_SHIPPED' || e.type === 'DEPLOYMENT_HELD' || e.type === 'GOLD_DISK_RELEASED');
  if (!rows.length) return html`<p class="muted" id="kit-record">No kit shipped and no hold yet.</p>`;
  return html`<div class="table-wrap"><table id="kit-record"><thead><tr><th scope="col">Date</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead><tbody>${rows.map((e) => {
    const p = e.payload as { goldDiskVersion?: string; reason?: string; version?: string };
    const [what, detail] =
      e.type === 'KIT_SHIPPED'
        ? ['Kit shipped', `Gold Disk ${p.goldDiskVersion ?? shipped.get(e.seq) ?? 'version not recorded'}`]
        : e.type === 'DEPLOYMENT_HELD'
          ? ['Deployment held', p.reason ?? '']
          : ['Deployment resumed', `Gold Disk ${p.version ?? ''} released`];
    return html`<tr data-kit="${e.type}"><td>${when(e.at, true)}</td><td>${what}</td><td>${detail}</td></tr>`;
  })}</tbody></table></div>`;
}

export function notFoundPage(id: string): string {
  return page({
    title: 'Office not found',
    section: 'office',
    body: html`<h1>Office not found</h1><p>No office has the id <code>${id}</code>. <a href="/offices${queryString({ q: id })}">Search for it</a>.</p>`,
  });
}

/** Addresses of the office that bounce: reminders skip them until its contacts are edited. */
async function bouncingFlag(runtime: Runtime, officeId: string): Promise<Html | ''> {
  const bouncing = (await runtime.mailbox.store.contactsOf(officeId)).filter((c) => c.bouncingAt);
  if (bouncing.length === 0) return '';
  return html`<div class="message error" id="bouncing" role="status"><strong>Mail bounces</strong> for ${bouncing.map(
    (c, i) => html`${i ? ', ' : ''}<span class="bouncing-address">${c.address}</span> (since ${when(c.bouncingAt!)}${c.bounceReason ? html`: ${c.bounceReason}` : ''})`,
  )}. Reminders skip these addresses until the office's contacts are corrected.</div>`;
}

/** `/offices/:id`: its states on the chart with the path it took, what it can do now, its history, emails and contacts. */
export async function renderOffice(runtime: Runtime, id: string): Promise<string | null> {
  const office = await runtime.store.getOffice(id);
  if (!office) return null;
  const view = await getOfficeView(runtime.store, id);
  const history = await runtime.store.history(id);
  const layout = await machineLayout();
  const visited = visitedStates(history);
  const chart = renderDiagram(layout, {
    current: view.states,
    visited,
    traversed: traversedEdges(layout, history),
    href: (path) => `/offices${queryString({ state: path })}`,
    title: `${view.name}: current state ${view.states.map(stateLabel).join(' and ')}`,
    id: 'office-chart',
  });
  const list = renderLifecycleList({
    current: view.states,
    visited,
    label: `Lifecycle of ${view.name}, stage by stage; current: ${view.states.map(stateLabel).join(' and ')}`,
  });
  const ctx = view.context;
  const finished = view.allowedEvents.length === 0;
  const body = html`<div class="page-head">
  <div>
    <p class="small muted"><a href="/offices">Offices</a> › ${view.id}</p>
    <h1 id="office-name">${view.name}</h1>
    <p class="muted">${countryName(view.country)}${view.city ? html` · ${view.city}` : ''} · ${view.track === 'kit' ? 'Kit track' : 'Internet track'} · language ${view.language}</p>
  </div>
</div>
${await bouncingFlag(runtime, view.id)}
<div id="messages" class="messages" role="alert" aria-live="assertive"></div>
<div data-live-region="office-status" data-version="${view.version}">
  <div class="card office-head" id="office-status">
    <strong>Now:</strong>
    ${view.states.map((s) => {
      const st = stateByPath.get(s);
      const since = view.enteredAt[s];
      return html`<span class="badge state${st?.type === 'final' ? ' final' : ''}" data-state="${s}">${stateLabel(s)}</span>
      <span class="small muted">since ${when(since, true)} · waiting on ${st?.meta.owner === 'wipo' ? 'WIPO' : 'the office'}</span>`;
    })}
  </div>
</div>
<div class="grid-2">
  <div class="stack">
    <section class="card" aria-labelledby="actions-heading" data-live-region="office-actions" data-version="${view.version}">
      <h2 id="actions-heading">What can happen now</h2>
      ${
        finished
          ? html`<p class="muted">This office has finished its lifecycle (${view.states.map(stateLabel).join(', ')}); no event applies any more.</p>`
          : html`<div class="actions">${view.allowedEvents
              // Details (name, country, contacts) change through the CSV import or the API: one form field cannot hold a contact list.
              .filter((type) => type !== 'DETAILS_UPDATED')
              .map((type) => eventForm(view.id, view.version, type, consequence(view, type), view.name))}</div>`
      }
    </section>
    <section class="card" aria-labelledby="note-heading">
      <h2 id="note-heading">Add a note</h2>
      <form class="fields" id="note-form" data-office="${view.id}" novalidate>
        <label class="field" for="note-text">Note <span class="hint">(for the timeline; changes no state)</span><textarea id="note-text" name="text" maxlength="2000" rows="2" required></textarea></label>
        <button class="btn secondary" type="submit">Add the note</button>
      </form>
    </section>
    <section class="card" aria-labelledby="timeline-heading" data-live-region="office-timeline">
      <h2 id="timeline-heading">Timeline <span class="muted small">(newest first)</span></h2>
      ${await officeTimeline(runtime, view.id, history)}
    </section>
  </div>
  <div class="stack">
    <section class="card" aria-labelledby="details-heading" data-live-region="office-details">
      <h2 id="details-heading">Details</h2>
      <dl class="facts">
        <dt>Id</dt><dd>${view.id}</dd>
        <dt>Registered</dt><dd>${when(view.createdAt)}</dd>
        <dt>Focal point</dt><dd>${ctx.focalPoint ? html`${ctx.focalPoint.name} · <a href="mailto:${ctx.focalPoint.email}">${ctx.focalPoint.email}</a>` : html`<span class="muted">not nominated</span>`}</dd>
        <dt>Workshop</dt><dd>${ctx.workshopId ?? html`<span class="muted">—</span>`}</dd>
        <dt>Gold Disk</dt><dd>${ctx.goldDiskVersion ?? html`<span class="muted">—</span>`}</dd>
        ${ctx.reason ? html`<dt>Reason</dt><dd>${ctx.reason}</dd>` : ''}
      </dl>
      <h3 class="contacts-heading">Contacts</h3>
      ${
        view.contacts.length
          ? html`<ul class="contacts">${view.contacts.map(
              (c) => html`<li>${c.name}${c.role ? html` <span class="muted">(${c.role})</span>` : ''} · <a href="mailto:${c.email}">${c.email}</a></li>`,
            )}</ul>`
          : html`<p class="muted">No contacts.</p>`
      }
    </section>
    ${
      view.track === 'kit'
        ? html`<section class="card" aria-labelledby="kit-heading" data-live-region="office-kit">
      <h2 id="kit-heading">Kit shipments and holds</h2>
      ${await kitRecord(runtime, view.id, history)}
    </section>`
        : ''
    }
    <section class="card" aria-labelledby="reminders-heading" data-live-region="office-reminders">
      <h2 id="reminders-heading">Reminders and emails</h2>
      ${await reminders(runtime, office, finished)}
    </section>
  </div>
</div>
<section class="card" aria-labelledby="chart-heading" data-live-region="office-chart">
  <h2 id="chart-heading">Lifecycle</h2>
  <div class="chart-wrap office">${raw(chart)}</div>
  ${raw(list)}
  <div class="legend"><span><span class="swatch current" aria-hidden="true"></span> current state</span><span>blue arrows: the path this office took</span><span>faded: not reached yet</span></div>
</section>`;
  return page({ title: view.name, section: 'office', body, data: { live: 'office', office: view.id, version: String(view.version) } });
}
