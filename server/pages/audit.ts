import type { HistoryEntry, OfficeRecord } from '../../storage/types';
import { html, type Html } from './html';
import { when } from './layout';
import { actorName, dayText, historySentence } from './words';

/**
 * The audit page's entries as sentences: "Ana Ruiz: site difficulty resolved for Office X on
 * 3 March 2026 — Site difficulty → Site work", "Ana Ruiz signed in on 3 March 2026".
 */
export interface AccountEntryLike {
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

interface Lookups {
  offices?: { getOffice(id: string): Promise<OfficeRecord | undefined>; history(id: string): Promise<HistoryEntry[]> };
  displayName: (username: string) => string | undefined;
}

const ACCOUNT_WORDS: Record<string, (subject: string, d: Record<string, unknown>) => string> = {
  signin: () => 'signed in',
  'signin.failed': (s) => `failed to sign in as "${s}"`,
  'user.created': (s, d) => `created the account ${s}${typeof d.role === 'string' ? ` (${d.role})` : ''}`,
  'user.updated': (s) => `changed the account ${s}`,
  'token.created': (s) => `created the API token ${s}`,
  'token.revoked': (s) => `revoked the API token ${s}`,
  import: () => 'imported offices and events',
};

export async function auditSentence(e: AccountEntryLike, lookups: Lookups): Promise<Html> {
  const who = actorName(e.actor, lookups.displayName);
  if (e.action.startsWith('office.') && e.subject) {
    const type = e.action.slice('office.'.length);
    const office = await lookups.offices?.getOffice(e.subject);
    const entry = (await lookups.offices?.history(e.subject))?.find((h) => h.at === e.at && h.type === type);
    const sentence = historySentence(entry ?? { type, actor: e.actor, at: e.at, from: [], to: [] }, '\u0000', who);
    const [before, after] = sentence.split('\u0000');
    return html`${before}<a href="/offices/${encodeURIComponent(e.subject)}">${office?.name ?? e.subject}</a>${after} <span class="small muted">(${when(e.at)})</span>`;
  }
  const words = ACCOUNT_WORDS[e.action];
  const did = words ? words(e.subject ?? '', e.details) : `${e.action}${e.subject ? ` ${e.subject}` : ''}`;
  return html`${who} ${did} on ${dayText(e.at)} <span class="small muted">(${when(e.at)})</span>`;
}
