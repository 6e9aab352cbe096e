import type { EngineHooks, TransitionRecord } from '../engine/engine';
import { languageOf } from '../machines/labels';
import type { OfficeRecord } from '../storage/types';
import type { LinkEntry, LinkSigner } from './links';
import type { Outbox } from './outbox';
import type { Templates } from './templates';
import { countryName, longDate } from './locale';

/**
 * The circular letter: when an office enters `invited` (SEND_CIRCULAR, or REOPEN to invite it
 * again) its contacts get the letter in the office's language, with its reference and signed links
 * to answer yes or no, written to the outbox in the transition's own transaction.
 */
export const CIRCULAR_TEMPLATE = 'circular';
export const INVITED = 'invited';

/**
 * A transition is live when it happens now. Imports and the demo replay a programme's past with
 * their own dates: letters of the past were sent then, so they are not written again.
 */
const LIVE_TOLERANCE_MS = 60_000;

export interface ComposedLetter {
  recipients: string[];
  subject: string;
  text: string;
  html: string;
  language: string;
  letterRef: string;
}

export interface OfficeContacts {
  zoneOf(office: OfficeRecord): Promise<string>;
  coordinatorOf(officeId: string): Promise<string>;
  /** Both for the office a transition changed, sharing the reads of that transition's other hooks. */
  contactsDuring?(record: TransitionRecord): Promise<{ zone: string; coordinator: string }>;
}

export interface CircularLettersDeps {
  templates: Templates;
  links: LinkSigner;
  outbox: Outbox;
  /** The office's time zone and coordinator, as the reminders keep them. */
  reminders: OfficeContacts;
  now: () => Date;
  publicUrl: string;
  linkTtlMs: number;
}

/** The reference of a letter sent without one: the office and the version that invited it. */
export function defaultLetterRef(officeId: string, version: number): string {
  return `WIPOnet/${officeId}/${version}`;
}

export class CircularLetters {
  /** Letters written by the transaction in progress, so the dispatcher can be nudged after commit. */
  written = 0;

  constructor(private readonly deps: CircularLettersDeps) {}

  hooks(onWritten: () => void): EngineHooks {
    return {
      inTransaction: (record) => this.onTransition(record),
      afterCommit: () => {
        if (this.written === 0) return;
        this.written = 0;
        onWritten();
      },
    };
  }

  private async onTransition(record: TransitionRecord): Promise<void> {
    if (!record.entered.some((n) => n.path === INVITED)) return;
    if (record.at.getTime() < this.deps.now().getTime() - LIVE_TOLERANCE_MS) return;
    const payloadRef = record.entry.payload.letterRef;
    const letterRef = typeof payloadRef === 'string' && payloadRef.trim() ? payloadRef.trim() : defaultLetterRef(record.office.id, record.office.version);
    const letter = await this.compose(record.office, { letterRef, at: record.at, entry: { state: INVITED, enteredAt: record.at }, during: record });
    await this.deps.outbox.enqueue(
      {
        officeId: record.office.id,
        timerId: null,
        kind: CIRCULAR_TEMPLATE,
        language: letter.language,
        recipients: letter.recipients,
        subject: letter.subject,
        text: letter.text,
        html: letter.html,
        createdAt: record.at,
        sendAfter: record.at,
      },
      letter.recipients.length === 0 ? 'no recipient: the office has no contact email' : undefined,
    );
    this.written++;
  }

  /**
   * The letter for one office. With `entry` its links are signed for that state entry; without it
   * (a preview) they are shown as placeholders and nothing is signed.
   */
  async compose(office: OfficeRecord, options: { letterRef: string; at: Date; entry?: LinkEntry; during?: TransitionRecord }): Promise<ComposedLetter> {
    const language = languageOf(office.language);
    const { reminders } = this.deps;
    const contacts = options.during && reminders.contactsDuring ? await reminders.contactsDuring(options.during) : undefined;
    const zone = contacts?.zone ?? (await reminders.zoneOf(office));
    const expires = new Date(options.at.getTime() + this.deps.linkTtlMs);
    const base = this.deps.publicUrl.replace(/\/$/, '');
    const link = (action: 'confirm' | 'decline') =>
      options.entry ? `${base}/r/${this.deps.links.create(office.id, action, expires, options.entry)}` : `${base}/r/…`;
    const rendered = this.deps.templates.render(CIRCULAR_TEMPLATE, language, {
      office: { ...office, countryName: countryName(office.country, language) },
      letterRef: options.letterRef,
      date: longDate(options.at, zone, language),
      kit: office.track === 'kit',
      internet: office.track === 'internet',
      links: { confirm: link('confirm'), decline: link('decline') },
      linkExpires: longDate(expires, zone, language),
      coordinator: { email: contacts?.coordinator ?? (await reminders.coordinatorOf(office.id)) },
    });
    const recipients = [...new Set(office.contacts.map((c) => c.email.trim()).filter(Boolean))];
    return { recipients, subject: rendered.subject, text: rendered.text, html: rendered.html, language: rendered.language, letterRef: options.letterRef };
  }

  /**
   * The letter exactly as `office` would get it if it were sent now, links shown as placeholders
   * (they are signed only when the letter is written); without `letterRef`, the default one.
   */
  async preview(office: OfficeRecord, letterRef?: string): Promise<ComposedLetter> {
    return await this.compose(office, { letterRef: letterRef?.trim() || defaultLetterRef(office.id, office.version + 1), at: this.deps.now() });
  }
}
