import type { MailboxStore, MatchedBy } from '../storage/mailbox-store';

/** Which office a message belongs to, and which of our messages it answers. */
export interface Match {
  officeId: string;
  answers: string | null;
  matchedBy: MatchedBy;
}

export interface MessageIdentity {
  inReplyTo: string[];
  references: string[];
  from: string | null;
}

/** Message-IDs as we store them: `<local@domain>`, whitespace-separated lists split. */
export function messageIds(value: string | string[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((v) => v.match(/<[^<>\s]+>/g) ?? (v.trim() ? [`<${v.trim().replace(/^<|>$/g, '')}>`] : []));
}

/**
 * In-Reply-To first (the message it answers), then References newest first (a reply to a reply),
 * then the sender's address when exactly one office lists it: a shared address names no office.
 */
export async function matchMessage(store: MailboxStore, identity: MessageIdentity): Promise<Match | null> {
  const byId = await store.sentMessage(identity.inReplyTo);
  if (byId) return { officeId: byId.officeId, answers: byId.messageId, matchedBy: 'in-reply-to' };
  for (const id of [...identity.references].reverse()) {
    const sent = await store.sentMessage([id]);
    if (sent) return { officeId: sent.officeId, answers: sent.messageId, matchedBy: 'references' };
  }
  if (!identity.from) return null;
  const offices = await store.officesWithContact(identity.from);
  return offices.length === 1 ? { officeId: offices[0]!, answers: null, matchedBy: 'sender' } : null;
}
