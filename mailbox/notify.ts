import { eventAction, stateLabel } from '../machines/labels';
import { allowedEvents, fromStored } from '../engine/snapshot';
import type { Outbox } from '../notifications/outbox';
import type { Templates } from '../notifications/templates';
import { countryName } from '../notifications/locale';
import type { InboundMail } from '../storage/mailbox-store';
import type { OfficeRecord } from '../storage/types';
import type { FailedRecipient } from './bounce';

/** The coordinator's emails about mail read from the mailbox: a reply, or a bounce. */
export interface CoordinatorNotice {
  outbox: Outbox;
  templates: Templates;
  publicUrl: string;
  coordinator: string;
  now: Date;
}

const EXCERPT = 4000;

function officeUrl(publicUrl: string, officeId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/offices/${encodeURIComponent(officeId)}`;
}

async function send(n: CoordinatorNotice, office: OfficeRecord, kind: string, view: Record<string, unknown>): Promise<string> {
  const rendered = n.templates.render(kind, 'en', {
    office: { ...office, countryName: countryName(office.country, 'en') },
    officeUrl: officeUrl(n.publicUrl, office.id),
    ...view,
  });
  const { messageId } = await n.outbox.enqueue({
      officeId: office.id,
      timerId: null,
      kind,
      language: rendered.language,
      recipients: [n.coordinator],
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      createdAt: n.now,
      sendAfter: n.now,
    });
  return messageId;
}

/** Tells the coordinator an office replied: who, what, and the events the office can take now. */
export async function noticeReply(n: CoordinatorNotice, office: OfficeRecord, mail: InboundMail, stopped: string[]): Promise<string> {
  const events = allowedEvents(fromStored(office.snapshot))
    .filter((type) => type !== 'DETAILS_UPDATED')
    .map((type) => `${eventAction(type)} (${type})`);
  const text = mail.text.trim();
  return await send(n, office, 'reply', {
    mail: {
      sender: mail.sender,
      subject: mail.subject || '(no subject)',
      date: mail.sentAt ?? mail.receivedAt,
      attachments: mail.attachments,
      attachmentList: mail.attachments.join(', '),
      excerpt: text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text,
    },
    stopped,
    stoppedList: stopped.map((s) => stateLabel(s)).join(', '),
    stateList: office.states.map((s) => stateLabel(s)).join(', '),
    events,
  });
}

/** Tells the coordinator mail to some of an office's addresses bounces. */
export async function noticeBounce(n: CoordinatorNotice, office: OfficeRecord, failed: FailedRecipient[]): Promise<string> {
  return await send(n, office, 'bounce', { failed, addressList: failed.map((f) => f.address).join(', ') });
}
