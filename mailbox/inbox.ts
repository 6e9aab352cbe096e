import { simpleParser, type ParsedMail } from 'mailparser';
import type { Engine } from '../engine/engine';
import { officeNotFound } from '../engine/errors';
import type { Reminders } from '../reminders/reminders';
import type { Outbox } from '../notifications/outbox';
import type { Templates } from '../notifications/templates';
import type { InboundMail, MailboxStore, NewInboundMail } from '../storage/mailbox-store';
import { parseDeliveryReport, type DeliveryReport, type FailedRecipient } from './bounce';
import { matchMessage, messageIds, type Match } from './matcher';
import { noticeBounce, noticeReply } from './notify';

/**
 * What one message read from the mailbox does, in one transaction: stored (once per mailbox
 * place), matched to an office, and then for a reply the contact marked responsive, the office's
 * reminder sequences stopped and the coordinator told; for a bounce the failed addresses marked
 * bouncing and the coordinator told.
 */
export interface InboxDeps {
  engine: Engine;
  store: MailboxStore;
  reminders: Reminders;
  outbox: Outbox;
  templates: Templates;
  publicUrl: string;
}

export interface MailboxPlace {
  mailbox: string;
  uidValidity: number;
  uid: number;
}

export type Outcome = 'duplicate' | 'matched' | 'automatic' | 'unmatched' | 'bounce' | 'bounce-unmatched';

const TEXT_LIMIT = 100_000;

function isoDate(date: Date | undefined): string | null {
  if (!date || Number.isNaN(date.getTime())) return null;
  const year = date.getUTCFullYear();
  return year >= 1990 && year <= 2100 ? date.toISOString() : null;
}

/** RFC 3834: an automatic answer (an absence notice) says nothing on the office's behalf. */
function isAutomatic(parsed: ParsedMail): boolean {
  const value = parsed.headers.get('auto-submitted');
  return typeof value === 'string' && value.trim().toLowerCase() !== 'no';
}

function describeReport(report: DeliveryReport): string {
  return report.failed.map((f) => `${f.address}: ${[f.status, f.diagnostic].filter(Boolean).join(' ') || 'failed'}`).join('\n');
}

export class Inbox {
  constructor(private readonly deps: InboxDeps) {}

  async receive(source: Buffer, place: MailboxPlace): Promise<Outcome> {
    const parsed: ParsedMail = await simpleParser(source);
    const report = parseDeliveryReport(source.toString('utf8'));
    const bounce = report !== null && report.failed.length > 0;
    const { engine, store } = this.deps;
    return await engine.transact(async () => {
      if (await store.isStored(place.mailbox, place.uidValidity, place.uid)) return 'duplicate';
      const from = parsed.from?.value[0]?.address ?? null;
      const match = bounce
        ? await this.matchBounce(report)
        : await matchMessage(store, { inReplyTo: messageIds(parsed.inReplyTo), references: messageIds(parsed.references), from });
      const now = engine.clock.now();
      const row: NewInboundMail = {
        ...place,
        messageId: parsed.messageId ?? null,
        kind: bounce ? 'bounce' : 'reply',
        sender: parsed.from?.text ?? from ?? '',
        subject: parsed.subject ?? '',
        sentAt: isoDate(parsed.date),
        receivedAt: now.toISOString(),
        text: (bounce ? describeReport(report) : (parsed.text ?? '')).slice(0, TEXT_LIMIT),
        attachments: parsed.attachments.flatMap((a) => (a.filename ? [a.filename] : [])),
        bounced: bounce ? report.failed : [],
        officeId: match?.officeId ?? null,
        answers: match?.answers ?? null,
        matchedBy: match?.matchedBy ?? null,
      };
      const id = await store.insert(row);
      if (id === null) return 'duplicate';
      const mail = (await store.get(id))!;
      if (!match) return bounce ? 'bounce-unmatched' : 'unmatched';
      if (bounce) {
        await this.applyBounce(match.officeId, report.failed, now);
        return 'bounce';
      }
      // On the timeline, but it neither stops the reminders nor calls the coordinator.
      if (isAutomatic(parsed)) return 'automatic';
      await this.applyReply(mail, from, now);
      return 'matched';
    });
  }

  /** By the Message-ID of the message that bounced, else the one office listing the address. */
  private async matchBounce(report: DeliveryReport): Promise<Match | null> {
    const { store } = this.deps;
    const sent = report.originalMessageId ? await store.sentMessage(messageIds(report.originalMessageId)) : undefined;
    if (sent) return { officeId: sent.officeId, answers: sent.messageId, matchedBy: 'in-reply-to' };
    const offices = new Set<string>();
    for (const f of report.failed) for (const id of await store.officesWithContact(f.address)) offices.add(id);
    return offices.size === 1 ? { officeId: [...offices][0]!, answers: null, matchedBy: 'sender' } : null;
  }

  /** A reply of an office (matched, or assigned by a coordinator). Call inside a transaction. */
  async applyReply(mail: InboundMail, from: string | null, now: Date): Promise<void> {
    const { store, engine } = this.deps;
    const office = mail.officeId ? await engine.store.getOffice(mail.officeId) : undefined;
    if (!office) return;
    if (from) await store.markReplied(office.id, from, now.toISOString());
    const stopped = await store.stopReminders(office.id);
    await noticeReply(await this.notice(office.id, now), office, mail, stopped);
  }

  private async applyBounce(officeId: string, failed: FailedRecipient[], now: Date): Promise<void> {
    const { store, engine } = this.deps;
    const office = await engine.store.getOffice(officeId);
    if (!office) return;
    for (const f of failed) await store.markBouncing(office.id, f.address, now.toISOString(), [f.status, f.diagnostic].filter(Boolean).join(' ') || 'failed');
    await noticeBounce(await this.notice(office.id, now), office, failed);
  }

  private async notice(officeId: string, now: Date) {
    const { outbox, templates, publicUrl, reminders } = this.deps;
    return { outbox, templates, publicUrl, coordinator: await reminders.coordinatorOf(officeId), now };
  }

  /**
   * A coordinator gives an unmatched message to an office: it then does what a matched one does. False when the message is unknown or already belongs to an office.
   */
  async assign(id: number, officeId: string, actor: string): Promise<boolean> {
    const { store, engine } = this.deps;
    return await engine.transact(async () => {
      if (!(await engine.store.getOffice(officeId))) throw officeNotFound(officeId);
      const now = engine.clock.now();
      if (!(await store.assign(id, officeId, actor, now.toISOString()))) return false;
      const mail = (await store.get(id))!;
      if (mail.kind === 'reply') await this.applyReply(mail, addressIn(mail.sender), now);
      else await this.applyBounce(officeId, mail.bounced, now);
      return true;
    });
  }
}

/** The address in a From text such as `Name <someone@example.org>`. */
function addressIn(sender: string): string | null {
  return /<([^<>\s]+@[^<>\s]+)>/.exec(sender)?.[1] ?? (/^\S+@\S+$/.test(sender.trim()) ? sender.trim() : null);
}
