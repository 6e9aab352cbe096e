import { DateTime } from 'luxon';
import type { ReminderPolicy } from '../machines/meta';
import { allStates, describeMachine } from '../machines/describe';
import { LINK_ACTIONS, type LinkAction, type LinkSigner } from '../notifications/links';
import type { Outbox } from '../notifications/outbox';
import type { Templates } from '../notifications/templates';
import type { Db } from '../storage/db';
import type { ClockRow, ReminderStore, TimerRow } from '../storage/reminder-store';
import type { OfficeRecord } from '../storage/types';
import type { Engine, EngineHooks, TransitionRecord } from './engine';
import { EngineError, officeNotFound } from './errors';
import { nextBusinessMoment, zoneOf } from './business-hours';
import { durationMs, type PolicySet } from './reminder-policies';

/**
 * Reminders: SLA clocks and durable timers kept beside each office. Entering a state with a policy
 * starts its clock and schedules its first timer in the transition's own transaction; leaving it
 * cancels them. Firing a timer (engine/scheduler.ts) writes the outbox row, the next timer and the
 * log row in one transaction, and never touches the office's version.
 */
export interface RemindersConfig {
  publicUrl: string;
  coordinatorEmail: string;
  linkTtlMs: number;
}

export interface RemindersDeps {
  db: Db;
  engine: Engine;
  store: ReminderStore;
  outbox: Outbox;
  templates: Templates;
  policies: PolicySet;
  links: LinkSigner;
  config: RemindersConfig;
}

export interface ReminderClockView {
  state: string;
  owner: 'office' | 'wipo';
  enteredAt: string;
  deadline: string;
  stalled: boolean;
  daysOverdue: number;
  remindersSent: number;
  escalated: boolean;
  nextReminderAt: string | null;
}

export interface ReminderStatus {
  stalled: boolean;
  stuck: boolean;
  nextReminder: {
    at: string;
    state: string;
    kind: 'reminder' | 'escalation';
    level: number;
    /** Time left before it, in milliseconds and as an ISO-8601 duration (0 when already due). */
    inMs: number;
    in: string;
  } | null;
  paused: { since: string; until: string; reason: string; by: string } | null;
  timeZone: string;
  clocks: ReminderClockView[];
}

/** Which reply links each template offers (only those the office can take at the time). */
const TEMPLATE_LINKS: Record<string, LinkAction[]> = {
  invited: ['confirm', 'decline'],
  site: ['surveyed', 'ready', 'difficulty'],
  training: ['nominate'],
  installing: ['installed'],
};

const DAY = 86_400_000;
const STATE_META = new Map(allStates().map((s) => [s.path, s.meta]));
const LEAVES = new Set(allStates().filter((s) => s.states.length === 0).map((s) => s.path));

/**
 * Events a leaf state takes, from the chart: its own transitions and its ancestors'. The link
 * events never depend on a guard alone, so this answers "can the office reply this from here"
 * without resolving its snapshot.
 */
const EVENTS_FROM = (() => {
  const events = new Map<string, Set<string>>();
  const walk = (state: ReturnType<typeof allStates>[number], inherited: Set<string>) => {
    const own = new Set([...inherited, ...state.transitions.map((t) => t.event)]);
    events.set(state.path, own);
    for (const child of state.states) walk(child, own);
  };
  const root = describeMachine().root;
  const rootEvents = new Set(root.transitions.map((t) => t.event));
  for (const state of root.states) walk(state, rootEvents);
  return events;
})();

export class Reminders {
  private workshopsTable: boolean | undefined;
  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();
  private readonly regionNames = new Map<string, Intl.DisplayNames>();

  constructor(readonly deps: RemindersDeps) {}

  get policies(): PolicySet {
    return this.deps.policies;
  }

  /** The engine hook: timers commit (or roll back) with the transition that entered or left the state. */
  hooks(): EngineHooks {
    return { inTransaction: (record) => this.onTransition(record) };
  }

  private onTransition(record: TransitionRecord): void {
    const { store } = this.deps;
    // Every exited leaf, not only those with a policy now: an override may have removed one since.
    for (const path of record.exited) {
      if (!LEAVES.has(path)) continue;
      store.cancelTimers(record.office.id, path);
      store.deleteClock(record.office.id, path);
    }
    for (const node of record.entered) {
      if (node.isLeaf) this.startClock(record.office, node.path, record.entry.seq, record.at);
    }
  }

  /** Starts the SLA clock of one state entry and schedules its first timer. */
  startClock(office: OfficeRecord, state: string, entrySeq: number, at: Date): void {
    const policy = this.deps.policies.get(state);
    if (!policy) return;
    const { store } = this.deps;
    const zone = this.zoneOf(office);
    const deadline = this.deadlineOf(office, policy, at, zone);
    const paused = store.pause(office.id) !== undefined;
    const first = this.timerFor(office, state, entrySeq, 1, policy, deadline, zone, at, paused);
    store.insertClock({
      office_id: office.id,
      state,
      entry_seq: entrySeq,
      stage: state.split('.')[0]!,
      owner: STATE_META.get(state)?.owner ?? 'office',
      entered_at: at.toISOString(),
      deadline: deadline.toISOString(),
      paused_at: paused ? at.toISOString() : null,
      reminders_sent: 0,
      next_reminder_at: paused ? null : first.due_at,
      escalated_at: null,
    });
    store.insertTimer(first);
  }

  private timerFor(
    office: OfficeRecord,
    state: string,
    entrySeq: number,
    level: number,
    policy: ReminderPolicy,
    nominal: Date,
    zone: string,
    now: Date,
    paused = false,
  ) {
    const kind: 'reminder' | 'escalation' = level > policy.reminders ? 'escalation' : 'reminder';
    return {
      office_id: office.id,
      state,
      entry_seq: entrySeq,
      level,
      kind,
      nominal_at: nominal.toISOString(),
      due_at: this.dueAt(nominal, kind, policy, zone).toISOString(),
      status: paused ? ('paused' as const) : ('pending' as const),
      created_at: now.toISOString(),
    };
  }

  /** Reminders to an office wait for its business hours; coordinator messages go when due. */
  private dueAt(nominal: Date, kind: 'reminder' | 'escalation', policy: ReminderPolicy, zone: string): Date {
    return kind === 'reminder' && policy.recipient === 'office' ? nextBusinessMoment(nominal, zone) : nominal;
  }

  private deadlineOf(office: OfficeRecord, policy: ReminderPolicy, at: Date, zone: string): Date {
    if (policy.until === 'workshopEnd') {
      const end = this.workshopEnd(office.snapshot.context.workshopId);
      if (end) {
        const date = DateTime.fromISO(end, { zone }).plus({ days: 1 }).startOf('day');
        if (date.isValid) return date.toJSDate();
      }
    }
    return new Date(at.getTime() + durationMs(policy.sla));
  }

  /** The last day of the office's workshop, when the programme keeps workshops. */
  private workshopEnd(workshopId: string | null): string | null {
    if (!workshopId) return null;
    const { db } = this.deps;
    this.workshopsTable ??=
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'workshops'").get() !== undefined;
    if (!this.workshopsTable) return null;
    const row = db.prepare<[string], { end_date: string }>('SELECT end_date FROM workshops WHERE id = ?').get(workshopId);
    return row?.end_date ?? null;
  }

  zoneOf(office: OfficeRecord): string {
    return zoneOf(office.country, this.deps.store.officeSettings(office.id).time_zone);
  }

  coordinatorOf(officeId: string): string {
    return this.deps.store.officeSettings(officeId).coordinator_email ?? this.deps.config.coordinatorEmail;
  }

  /** Zone and coordinator of an office in one read. */
  private settingsOf(office: OfficeRecord): { zone: string; coordinator: string } {
    const settings = this.deps.store.officeSettings(office.id);
    return { zone: zoneOf(office.country, settings.time_zone), coordinator: settings.coordinator_email ?? this.deps.config.coordinatorEmail };
  }

  /**
   * Fires one due timer: claims it (exactly once, even with several schedulers on the same file),
   * writes its email to the outbox and schedules the next level. Call inside `engine.unitOfWork`.
   */
  fire(timer: TimerRow, now: Date): 'reminder' | 'escalation' | 'skipped' {
    const { store, outbox, policies } = this.deps;
    const at = now.toISOString();
    if (!store.markFired(timer.id, at)) return 'skipped';
    const clock = store.clock(timer.office_id, timer.state);
    const policy = policies.get(timer.state);
    const office = this.deps.engine.store.getOffice(timer.office_id);
    if (!clock || clock.entry_seq !== timer.entry_seq || !policy || !office) return 'skipped';
    const { zone, coordinator } = this.settingsOf(office);

    if (timer.kind === 'reminder') {
      const email = this.composeReminder(office, clock, policy, timer.level, zone, coordinator, now);
      const sendAfter = policy.recipient === 'office' ? nextBusinessMoment(now, zone) : now;
      const { messageId } = outbox.enqueue(
        { officeId: office.id, timerId: timer.id, kind: policy.template, ...email, createdAt: now, sendAfter },
        email.recipients.length === 0 ? 'no recipient: the office has no contact email' : undefined,
      );
      // The next level follows the policy's rhythm; after an outage it counts from now, so a
      // catch-up sends one message per state, not a burst.
      let nominal = Date.parse(timer.nominal_at) + durationMs(policy.every);
      if (nominal <= now.getTime()) nominal = now.getTime() + durationMs(policy.every);
      const next = this.timerFor(office, timer.state, timer.entry_seq, timer.level + 1, policy, new Date(nominal), zone, now);
      store.insertTimer(next);
      store.updateClock({
        office_id: office.id,
        state: timer.state,
        reminders_sent: timer.level,
        next_reminder_at: next.due_at,
        escalated_at: clock.escalated_at,
      });
      store.log(office.id, at, 'REMINDER_SENT', timer.state, timer.level, { messageId, to: email.recipients, of: policy.reminders }, 'scheduler');
      return 'reminder';
    }

    const email = this.composeEscalation(office, policy, zone, coordinator, now);
    const { messageId } = outbox.enqueue({
      officeId: office.id,
      timerId: timer.id,
      kind: 'escalation',
      ...email,
      createdAt: now,
      sendAfter: now,
    });
    store.updateClock({
      office_id: office.id,
      state: timer.state,
      reminders_sent: clock.reminders_sent,
      next_reminder_at: null,
      escalated_at: at,
    });
    store.log(office.id, at, 'ESCALATED', timer.state, timer.level, { messageId, to: email.recipients }, 'scheduler');
    return 'escalation';
  }

  /** "5 janvier 2026" in the office's language and zone; formatters are built once each (they are costly). */
  private formatDate(iso: string, zone: string, language: string): string {
    const key = `${language}|${zone}`;
    let format = this.dateFormats.get(key);
    if (!format) {
      format = new Intl.DateTimeFormat([language, 'en'], { year: 'numeric', month: 'long', day: 'numeric', timeZone: zone });
      this.dateFormats.set(key, format);
    }
    return format.format(new Date(iso));
  }

  private countryName(country: string, language: string): string {
    let names = this.regionNames.get(language);
    if (!names) {
      names = new Intl.DisplayNames([language, 'en'], { type: 'region', fallback: 'code' });
      this.regionNames.set(language, names);
    }
    return names.of(country) ?? country;
  }

  private composeReminder(
    office: OfficeRecord,
    clock: ClockRow,
    policy: ReminderPolicy,
    level: number,
    zone: string,
    coordinator: string,
    now: Date,
  ) {
    const toOffice = policy.recipient === 'office';
    const language = toOffice ? office.language : 'en';
    const recipients = toOffice ? this.officeAddresses(office, policy) : [coordinator];
    const expires = new Date(now.getTime() + this.deps.config.linkTtlMs);
    const links: Partial<Record<LinkAction, string>> = {};
    if (toOffice) {
      const allowed = EVENTS_FROM.get(clock.state);
      for (const action of TEMPLATE_LINKS[policy.template] ?? []) {
        if (!allowed?.has(LINK_ACTIONS[action].event)) continue;
        links[action] = this.linkUrl(this.deps.links.create(office.id, action, expires));
      }
    }
    const meta = STATE_META.get(clock.state);
    const rendered = this.deps.templates.render(policy.template, language, {
      office: { ...office, countryName: this.countryName(office.country, language) },
      state: { path: clock.state, label: meta?.label ?? clock.state, description: meta?.description ?? '' },
      since: this.formatDate(clock.entered_at, zone, language),
      days: Math.max(0, Math.floor((now.getTime() - Date.parse(clock.entered_at)) / DAY)),
      deadline: this.formatDate(clock.deadline, zone, language),
      reminder: { level, of: policy.reminders },
      coordinator: { email: coordinator },
      links,
      linkExpires: this.formatDate(expires.toISOString(), zone, language),
      officeUrl: this.officeUrl(office.id),
      workshopId: office.snapshot.context.workshopId,
    });
    return { recipients, subject: rendered.subject, text: rendered.text, html: rendered.html, language: rendered.language };
  }

  private composeEscalation(office: OfficeRecord, policy: ReminderPolicy, zone: string, coordinator: string, now: Date) {
    const t = now.getTime();
    const overdue = this.deps.store
      .clocks(office.id)
      .filter((c) => Date.parse(c.deadline) <= t)
      .map((c) => ({
        state: c.state,
        label: STATE_META.get(c.state)?.label ?? c.state,
        since: this.formatDate(c.entered_at, zone, 'en'),
        daysOverdue: Math.floor((t - Date.parse(c.deadline)) / DAY),
        remindersSent: c.reminders_sent,
        owner: c.owner === 'office' ? 'the office' : 'WIPO',
      }));
    const rendered = this.deps.templates.render('escalation', 'en', {
      office: { ...office, countryName: this.countryName(office.country, 'en') },
      overdue,
      contacts: office.contacts,
      reminder: { of: policy.reminders },
      officeUrl: this.officeUrl(office.id),
    });
    return {
      recipients: [coordinator],
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      language: rendered.language,
    };
  }

  private officeAddresses(office: OfficeRecord, policy: ReminderPolicy): string[] {
    const addresses = office.contacts.map((c) => c.email);
    const focal = office.snapshot.context.focalPoint;
    if (focal && (policy.template === 'workshop' || policy.template === 'installing')) addresses.push(focal.email);
    return [...new Set(addresses.map((a) => a.trim()).filter(Boolean))];
  }

  linkUrl(token: string): string {
    return `${this.deps.config.publicUrl.replace(/\/$/, '')}/r/${token}`;
  }

  private officeUrl(officeId: string): string {
    return `${this.deps.config.publicUrl.replace(/\/$/, '')}/offices/${encodeURIComponent(officeId)}`;
  }

  /** Pauses an office's reminders until `until`; its SLA clocks stop counting meanwhile. */
  pause(officeId: string, until: Date, reason: string, actor: string): void {
    const { engine, store } = this.deps;
    const now = engine.clock.now();
    if (until.getTime() <= now.getTime()) {
      throw new EngineError('invalid_input', 'A pause must end in the future.', { until: until.toISOString() });
    }
    engine.unitOfWork(() => {
      if (!engine.store.getOffice(officeId)) throw officeNotFound(officeId);
      const at = now.toISOString();
      const existing = store.pause(officeId);
      store.upsertPause({ office_id: officeId, paused_at: existing?.paused_at ?? at, until: until.toISOString(), reason, actor });
      if (!existing) {
        store.pauseClocks(officeId, at);
        store.pauseTimers(officeId);
      }
      store.log(officeId, at, 'PAUSED', null, null, { until: until.toISOString(), reason }, actor);
    });
  }

  /** Ends a pause (at `at`, default now): deadlines and waiting timers move by the paused time. */
  resume(officeId: string, actor: string, at: Date = this.deps.engine.clock.now()): void {
    const { engine } = this.deps;
    engine.unitOfWork(() => {
      if (!engine.store.getOffice(officeId)) throw officeNotFound(officeId);
      if (!this.deps.store.pause(officeId)) {
        throw new EngineError('conflict', `The reminders of office "${officeId}" are not paused.`, { id: officeId });
      }
      this.endPause(officeId, at, actor);
    });
  }

  /** Resumes offices whose pause has run out (at the pause's own end). Call inside a unit of work. */
  resumeExpired(now: Date): number {
    const expired = this.deps.store.expiredPauses(now.toISOString(), 500);
    for (const pause of expired) this.endPause(pause.office_id, new Date(pause.until), 'scheduler');
    return expired.length;
  }

  private endPause(officeId: string, at: Date, actor: string): void {
    const { store } = this.deps;
    const office = this.deps.engine.store.getOffice(officeId)!;
    const zone = this.zoneOf(office);
    const timers = store.openTimers(officeId).filter((t) => t.status === 'paused');
    for (const clock of store.clocks(officeId)) {
      if (!clock.paused_at) continue;
      const shift = Math.max(0, at.getTime() - Date.parse(clock.paused_at));
      const policy = this.deps.policies.get(clock.state);
      let next: string | null = null;
      for (const timer of timers.filter((t) => t.state === clock.state)) {
        const nominal = new Date(Date.parse(timer.nominal_at) + shift);
        const due = policy ? this.dueAt(nominal, timer.kind, policy, zone) : nominal;
        store.resumeTimer(timer.id, nominal.toISOString(), due.toISOString());
        if (!next || due.toISOString() < next) next = due.toISOString();
      }
      store.resumeClock(officeId, clock.state, new Date(Date.parse(clock.deadline) + shift).toISOString(), next);
    }
    store.deletePause(officeId);
    store.log(officeId, at.toISOString(), 'RESUMED', null, null, {}, actor);
  }

  /** What the office view shows: next reminder and time left, pause, stalled/stuck, per-state clocks. */
  status(office: OfficeRecord, now: Date = this.deps.engine.clock.now()): ReminderStatus {
    const { store } = this.deps;
    const t = now.getTime();
    const pause = store.pause(office.id);
    const clocks = store.clocks(office.id).map((c): ReminderClockView => {
      const until = c.paused_at ? Math.min(Date.parse(c.paused_at), t) : t;
      const overdue = until - Date.parse(c.deadline);
      return {
        state: c.state,
        owner: c.owner,
        enteredAt: c.entered_at,
        deadline: c.deadline,
        stalled: overdue >= 0,
        daysOverdue: Math.max(0, Math.floor(overdue / DAY)),
        remindersSent: c.reminders_sent,
        escalated: c.escalated_at !== null,
        nextReminderAt: c.paused_at ? null : c.next_reminder_at,
      };
    });
    const next = pause ? undefined : store.openTimers(office.id).find((timer) => timer.status === 'pending');
    const inMs = next ? Math.max(0, Date.parse(next.due_at) - t) : 0;
    return {
      stalled: clocks.some((c) => c.stalled),
      stuck: clocks.some((c) => c.escalated),
      nextReminder: next
        ? {
            at: next.due_at,
            state: next.state,
            kind: next.kind,
            level: next.level,
            inMs,
            in: isoDuration(inMs),
          }
        : null,
      paused: pause ? { since: pause.paused_at, until: pause.until, reason: pause.reason, by: pause.actor } : null,
      timeZone: this.zoneOf(office),
      clocks,
    };
  }
}

function isoDuration(ms: number): string {
  const days = Math.floor(ms / DAY);
  const rest = ms - days * DAY;
  const hours = Math.floor(rest / 3_600_000);
  const minutes = Math.floor((rest % 3_600_000) / 60_000);
  return `P${days}DT${hours}H${minutes}M`;
}
