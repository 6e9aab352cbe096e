import type { Runtime } from '../../app/runtime';
import { toEmailView } from '../../notifications/outbox';
import type { HistoryEntry } from '../../storage/types';
import { fieldLabel } from './forms';
import { html, type Html } from './html';
import { when } from './layout';
import { actorName, displayNamesOf, doneText, movesText } from './words';

/**
 * One office's timeline, newest first: its transitions (with the note or reason sent with them),
 * the emails written for it and how their delivery went, reminders and escalations, replies
 * through its email links, reminder pauses, and coordinators' notes. Each source keeps its own
 * table; this only merges them by time.
 */

interface Item {
  at: string;
  /** Ties on the same instant: a transition before the email it wrote. */
  order: number;
  kind: 'transition' | 'email' | 'reminder' | 'reply' | 'pause' | 'note' | 'mail' | 'bounce';
  what: Html | string;
  who: string;
  detail: Html | string;
}

const PAYLOAD_SHOWN_ELSEWHERE = new Set(['note']);

function payloadText(payload: Record<string, unknown>): Html | '' {
  const entries = Object.entries(payload).filter(([k, v]) => !PAYLOAD_SHOWN_ELSEWHERE.has(k) && v !== undefined && v !== null && v !== '' && k !== 'track');
  if (!entries.length) return '';
  return html`<div class="payload">${entries.map(
    ([k, v], i) => html`${i ? ' · ' : ''}<span class="muted">${fieldLabel(k)}:</span> ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
  )}</div>`;
}

function transitionItem(e: HistoryEntry, who: string): Item {
  const note = typeof e.payload.note === 'string' ? e.payload.note : '';
  const moves = movesText(e.from, e.to);
  return {
    at: e.at,
    order: 0,
    kind: 'transition',
    what: doneText(e.type),
    who,
    detail: html`${moves ? html`<div class="moves">${moves}</div>` : ''}${payloadText(e.payload)}${note ? html`<blockquote class="note">${note}</blockquote>` : ''}`,
  };
}

const LOG_WORDS: Record<string, { kind: Item['kind']; what: (detail: Record<string, unknown>, level: number | null) => string }> = {
  REMINDER_SENT: { kind: 'reminder', what: (_d, level) => `Reminder${level ? ` ${level}` : ''} sent` },
  ESCALATED: { kind: 'reminder', what: () => 'Escalated to the coordinator' },
  LINK_USED: { kind: 'reply', what: () => 'The office answered through its email link' },
  PAUSED: { kind: 'pause', what: (d) => `Reminders paused until ${String(d.until ?? '').slice(0, 10)}` },
  RESUMED: { kind: 'pause', what: () => 'Reminders resumed' },
};

export async function officeTimeline(runtime: Runtime, officeId: string, history: HistoryEntry[]): Promise<Html> {
  const displayName = await displayNamesOf(
    history.map((e) => e.actor),
    async (username) => (await runtime.accounts.credentials(username))?.user.displayName,
  );
  const who = (actor: string) => actorName(actor, displayName);
  const items: Item[] = history.map((e) => transitionItem(e, who(e.actor)));
  for (const row of await runtime.reminders.outbox.ofOffice(officeId)) {
    const e = toEmailView(row);
    items.push({
      at: e.createdAt,
      order: 1,
      kind: 'email',
      what: html`Email: ${e.subject}`,
      who: `to ${e.recipients.join(', ')}`,
      detail: html`<span class="badge email-${e.status}">${e.status}</span>${e.sentAt ? html` <span class="small muted">sent ${when(e.sentAt)}</span>` : ''}${
        e.lastError ? html` <span class="small muted">${e.lastError}</span>` : ''
      }`,
    });
  }
  for (const row of await runtime.reminders.store.logOf(officeId)) {
    const words = LOG_WORDS[row.type];
    if (!words) continue;
    let detail: Record<string, unknown> = {};
    try {
      detail = JSON.parse(row.detail) as Record<string, unknown>;
    } catch {
      // An unreadable detail still leaves the entry itself worth showing.
    }
    items.push({
      at: row.at,
      order: 2,
      kind: words.kind,
      what: words.what(detail, row.level),
      who: who(row.actor),
      detail: typeof detail.reason === 'string' ? html`<blockquote class="note">${detail.reason}</blockquote>` : '',
    });
  }
  for (const note of await runtime.storage.notes.ofOffice(officeId)) {
    items.push({ at: note.at, order: 3, kind: 'note', what: 'Note', who: who(note.actor), detail: html`<blockquote class="note">${note.text}</blockquote>` });
  }
  for (const mail of await runtime.storage.mailbox.ofOffice(officeId)) {
    const text = mail.text.trim();
    items.push({
      at: mail.receivedAt,
      order: 4,
      kind: mail.kind === 'bounce' ? 'bounce' : 'mail',
      what: mail.kind === 'bounce' ? html`Mail bounced: ${mail.subject}` : html`Reply by email: ${mail.subject || '(no subject)'}`,
      who: `from ${mail.sender}`,
      detail: html`<div class="small muted">${mail.sentAt ? html`sent ${when(mail.sentAt)}` : ''}${mail.matchedBy === 'coordinator' ? html` · assigned by ${who(mail.assignedBy ?? '')}` : ''}</div>${
        text ? html`<blockquote class="note mail-text">${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}</blockquote>` : ''
      }${mail.attachments.length ? html`<div class="small attachments">Attachments: ${mail.attachments.join(', ')}</div>` : ''}`,
    });
  }
  // Newest first; on the same instant, later sources first, and within a source the later entry.
  const position = new Map(items.map((item, i) => [item, i]));
  items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.order - a.order || position.get(b)! - position.get(a)!));
  return html`<ol class="timeline" id="timeline" data-count="${items.length}">${items.map(
    (i) => html`<li data-kind="${i.kind}">
<div class="what"><span class="badge kind-${i.kind}">${i.kind}</span> ${i.what}</div>
<div class="meta">${when(i.at)} · ${i.who}</div>
${i.detail}
</li>`,
  )}</ol>`;
}
