import { DateTime } from 'luxon';
import type { ReminderPolicy } from '../machines/meta';
import { allStates, eventsByState, stageOfPath } from '../machines/describe';
import { languageOf, stateLabel } from '../machines/labels';
import { LINK_ACTIONS, type LinkAction, type LinkSigner } from '../notifications/links';
import type { Outbox } from '../notifications/outbox';
import type { Templates } from '../notifications/templates';
import type { ClockAdvance, ClockRow, FiredTimer, OfficeReminderSettings, PauseRow, ReminderStore } from '../storage/reminder-store';
import type { WorkshopCalendar } from '../storage/workshop-calendar';
import type { OfficeRecord } from '../storage/types';
import type { Engine, EngineHooks, TransitionRecord } from '../engine/engine';
import { EngineError, officeNotFound } from '../engine/errors';
import { assertInRange } from '../engine/dates';
import { nextBusinessMoment, zoneOf } from '../engine/business-hours';
import { durationMs, type PolicySet } from '../engine/reminder-policies';
import { DAY_MS, daysOverdue, daysSince, deadlineOf, isOverdue } from '../engine/deadlines';
import type { ReminderClockView, ReminderStatus, TimerKind } from '../engine/reminder-status';

export type { ReminderClockView, ReminderStatus, TimerKind } from '../engine/reminder-status';
import { countryName, longDate } from '../notifications/locale';

/**
 * Reminders: SLA clocks and durable timers kept beside each office. Entering a state with a policy
 * writes its clock, which carries the pending timer, in the transition's own transaction; leaving
 * it deletes the clock. Firing a timer (reminders/scheduler.ts) writes the fired timer, the outbox row,
 * the clock's next level and the log row in one transaction, and never touches the office's version.
 */
export interface RemindersConfig {
  publicUrl: string;
  coordinatorEmail: string;
  linkTtlMs: number;
}

export interface RemindersDeps {
  /** Workshop end dates, for deadlines set by the calendar (`until: workshopEnd`). */
  calendar: WorkshopCalendar;
  engine: Engine;
  store: ReminderStore;
  outbox: Outbox;
  templates: Templates;
  policies: PolicySet;
  links: LinkSigner;
  config: RemindersConfig;
  /** Addresses of an office that bounce (lower case): reminders skip them until the contacts are fixed. */
  bouncing?: (officeId: string) => Promise<string[]>;
}

/** One timer of an office: fired ones have an id; the pending (or paused) level of a clock has none. */
export interface ReminderTimerView {
  id: number | null;
  state: string;
  level: number;
  kind: TimerKind;
  dueAt: string;
  status: 'fired' | 'pending' | 'paused';
  firedAt: string | null;
}

/** Which reply links each template offers (only those the office can take at the time). */
const TEMPLATE_LINKS: Record<string, LinkAction[]> = {
  invited: ['confirm', 'decline'],
  site: ['surveyed', 'ready', 'difficulty'],
  training: ['nominate'],
  installing: ['installed'],
};

const NOTHING_NEXT = { next_level: null, next_nominal_at: null, next_reminder_at: null } as const;
/** Level reminders + 1 is the escalation. */
const kindOf = (level: number, policy: ReminderPolicy): TimerKind => (level > policy.reminders ? 'escalation' : 'reminder');
const STATE_META = new Map(allStates().map((s) => [s.path, s.meta]));
const LEAVES = new Set(allStates().filter((s) => s.states.length === 0).map((s) => s.path));

/**
 * Events a leaf state takes, from the chart. The link events never depend on a guard alone, so this
 * answers "can the office reply this from here" without resolving its snapshot.
 */
const EVENTS_FROM = eventsByState();

export class Reminders {
  /**
   * The office's settings and pause as one transition's hooks and its response read them: once per
   * transition, however many clocks it starts and whichever hooks ask. Nothing a hook does changes
   * either; keyed by the record, so they are gone with it.
   */
  private readonly settingsDuring = new WeakMap<TransitionRecord, Promise<OfficeReminderSettings>>();
  private readonly pauseDuring = new WeakMap<TransitionRecord, Promise<PauseRow | undefined>>();

  constructor(readonly deps: RemindersDeps) {}

  get policies(): PolicySet {
    return this.deps.policies;
  }

  /** The engine hook: clocks (and so their timers) commit or roll back with the transition. */
  hooks(): EngineHooks {
    return { inTransaction: (record) => this.onTransition(record) };
  }

  private async onTransition(record: TransitionRecord): Promise<void> {
    const { store } = this.deps;
    // Every exited leaf, not only those with a policy now: an override may have removed one since.
    for (const path of record.exited) {
      if (LEAVES.has(path)) await store.deleteClock(record.office.id, path);
    }
    for (const node of record.entered) {
      if (node.isLeaf) await this.startClock(record.office, node.path, record.entry.seq, record.at, record);
    }
    if (record.previous && record.previous.country !== record.office.country) await this.retime(record.previous, record.office);
  }

  /**
   * The office moved to another country, so maybe to another time zone: its running clocks are
   * re-timed there. A deadline set by the calendar (`until: workshopEnd`, the start of a day) keeps
   * its wall-clock time in the new zone; pending reminders move into the new zone's business hours.
   * Paused clocks are left alone: their due time is computed when the pause ends, in the zone then.
   */
  private async retime(before: OfficeRecord, after: OfficeRecord): Promise<void> {
    const from = await this.zoneOf(before);
    const to = await this.zoneOf(after);
    if (from === to) return;
    const { store, policies } = this.deps;
    const sameWallClock = (iso: string) => DateTime.fromISO(iso, { zone: from }).setZone(to, { keepLocalTime: true }).toUTC().toISO()!;
    for (const clock of await store.clocks(after.id)) {
      if (clock.paused_at) continue;
      const byCalendar = policies.get(clock.state)?.until === 'workshopEnd';
      const deadline = byCalendar ? sameWallClock(clock.deadline) : clock.deadline;
      if (clock.next_level === null || clock.next_nominal_at === null) {
        await store.resumeClock(after.id, clock.state, deadline, null, null);
        continue;
      }
      const nominal = byCalendar && clock.next_nominal_at === clock.deadline ? deadline : clock.next_nominal_at;
      const due = this.pendingDueAt(clock.state, clock.next_level, new Date(nominal), to);
      await store.resumeClock(after.id, clock.state, deadline, nominal, due.toISOString());
    }
  }

  /**
   * Starts the SLA clock of one state entry with its first timer (level 1, at the deadline).
   * `during`: the transition entering it (inside its transaction), whose reads it shares.
   */
  async startClock(office: OfficeRecord, state: string, entrySeq: number, at: Date, during?: TransitionRecord): Promise<void> {
    const policy = this.deps.policies.get(state);
    if (!policy) return;
    const { store } = this.deps;
    const zone = zoneOf(office.country, (await (during ? this.settingsOfTransition(during) : store.officeSettings(office.id))).time_zone);
    const deadline = await this.deadlineOf(office, policy, at, zone);
    const paused = (await (during ? this.pauseOfTransition(during) : store.pause(office.id))) !== undefined;
    await store.insertClock({
      office_id: office.id,
      state,
      entry_seq: entrySeq,
      stage: stageOfPath(state),
      owner: STATE_META.get(state)?.owner ?? 'office',
      entered_at: at.toISOString(),
      deadline: deadline.toISOString(),
      paused_at: paused ? at.toISOString() : null,
      reminders_sent: 0,
      next_reminder_at: paused ? null : this.dueAt(deadline, kindOf(1, policy), policy, zone).toISOString(),
      escalated_at: null,
      next_level: 1,
      next_nominal_at: deadline.toISOString(),
    });
  }

  /** Reminders to an office wait for its business hours; coordinator messages go when due. */
  private dueAt(nominal: Date, kind: TimerKind, policy: ReminderPolicy, zone: string): Date {
    return kind === 'reminder' && policy.recipient === 'office' ? nextBusinessMoment(nominal, zone) : nominal;
  }

  private async deadlineOf(office: OfficeRecord, policy: ReminderPolicy, at: Date, zone: string): Promise<Date> {
    const workshopId = office.snapshot.context.workshopId;
    const end = policy.until === 'workshopEnd' && workshopId ? await this.deps.calendar.endDate(workshopId) : null;
    return new Date(deadlineOf(policy, at.getTime(), end, () => zone));
  }

  async zoneOf(office: OfficeRecord): Promise<string> {
    return zoneOf(office.country, (await this.deps.store.officeSettings(office.id)).time_zone);
  }

  async coordinatorOf(officeId: string): Promise<string> {
    return (await this.deps.store.officeSettings(officeId)).coordinator_email ?? this.deps.config.coordinatorEmail;
  }

  /** The office's settings as of `record`'s transition, read once for all its hooks (call inside its transaction). */
  private settingsOfTransition(record: TransitionRecord): Promise<OfficeReminderSettings> {
    let settings = this.settingsDuring.get(record);
    if (!settings) this.settingsDuring.set(record, (settings = this.deps.store.officeSettings(record.office.id)));
    return settings;
  }

  private pauseOfTransition(record: TransitionRecord): Promise<PauseRow | undefined> {
    let pause = this.pauseDuring.get(record);
    if (!pause) this.pauseDuring.set(record, (pause = this.deps.store.pause(record.office.id)));
    return pause;
  }

  /** Zone and coordinator of the office a transition changed, for its hooks (the circular letter): one read per transition. */
  async contactsDuring(record: TransitionRecord): Promise<{ zone: string; coordinator: string }> {
    const settings = await this.settingsOfTransition(record);
    return { zone: zoneOf(record.office.country, settings.time_zone), coordinator: settings.coordinator_email ?? this.deps.config.coordinatorEmail };
  }

  /** Zone and coordinator of an office in one read. */
  private async settingsOf(office: OfficeRecord): Promise<{ zone: string; coordinator: string }> {
    const settings = await this.deps.store.officeSettings(office.id);
    return { zone: zoneOf(office.country, settings.time_zone), coordinator: settings.coordinator_email ?? this.deps.config.coordinatorEmail };
  }

  /**
   * Fires the pending timer of one due clock: claims it (exactly once, even with several schedulers
   * on the same file, or a stale row), records it as fired, writes its email to the outbox and moves
   * the clock to the next level. Call inside `engine.unitOfWork`.
   */
  async fire(clock: ClockRow, now: Date): Promise<'reminder' | 'escalation' | 'skipped'> {
    const { store, outbox, policies } = this.deps;
    const { next_level: level, next_nominal_at: nominalAt, next_reminder_at: dueAt } = clock;
    if (level === null || nominalAt === null || dueAt === null) return 'skipped';
    const at = now.toISOString();
    const claim = { office_id: clock.office_id, state: clock.state, entry_seq: clock.entry_seq, level };
    const fired = { ...claim, nominal_at: nominalAt, due_at: dueAt, created_at: at, fired_at: at };
    const policy = policies.get(clock.state);
    const office = await this.deps.engine.store.getOffice(clock.office_id);
    if (!policy || !office) {
      // The policy was removed since the state was entered: nothing more is due for this entry.
      await store.advanceClock({ ...claim, reminders_sent: clock.reminders_sent, escalated_at: clock.escalated_at, ...NOTHING_NEXT });
      return 'skipped';
    }
    const { zone, coordinator } = await this.settingsOf(office);
    const kind = kindOf(level, policy);

    if (kind === 'reminder') {
      // The next level follows the policy's rhythm; after an outage it counts from now, so a
      // catch-up sends one message per state, not a burst.
      let nominal = Date.parse(nominalAt) + durationMs(policy.every);
      if (nominal <= now.getTime()) nominal = now.getTime() + durationMs(policy.every);
      const next = new Date(nominal);
      const advance = {
        ...claim,
        reminders_sent: level,
        escalated_at: clock.escalated_at,
        next_level: level + 1,
        next_nominal_at: next.toISOString(),
        next_reminder_at: this.dueAt(next, kindOf(level + 1, policy), policy, zone).toISOString(),
      };
      const timerId = await this.claim(advance, { ...fired, kind });
      if (timerId === null) return 'skipped';
      const bouncing = new Set(await this.deps.bouncing?.(office.id) ?? []);
      const email = this.composeReminder(office, clock, policy, level, zone, coordinator, now, bouncing);
      const sendAfter = policy.recipient === 'office' ? nextBusinessMoment(now, zone) : now;
      const { messageId } = await outbox.enqueue(
        { officeId: office.id, timerId, kind: policy.template, ...email, createdAt: now, sendAfter },
        email.recipients.length === 0 ? 'no recipient: the office has no contact email' : undefined,
      );
      await store.log(office.id, at, 'REMINDER_SENT', clock.state, level, { messageId, to: email.recipients, of: policy.reminders }, 'scheduler');
      return 'reminder';
    }

    const timerId = await this.claim({ ...claim, reminders_sent: clock.reminders_sent, escalated_at: at, ...NOTHING_NEXT }, { ...fired, kind });
    if (timerId === null) return 'skipped';
    const email = await this.composeEscalation(office, policy, zone, coordinator, now);
    const { messageId } = await outbox.enqueue({
      officeId: office.id,
      timerId,
      kind: 'escalation',
      ...email,
      createdAt: now,
      sendAfter: now,
    });
    await store.log(office.id, at, 'ESCALATED', clock.state, level, { messageId, to: email.recipients }, 'scheduler');
    return 'escalation';
  }

  /**
   * Both halves of the exactly-once claim: the clock moves on from the level being fired, and the
   * fired row (UNIQUE per office, state entry and level; the outbox points at it) is new. Null when
   * either was already done; if only the fired row existed, the clock has still moved on, no email.
   */
  private async claim(advance: ClockAdvance, fired: FiredTimer): Promise<number | null> {
    const { store } = this.deps;
    return await store.advanceClock(advance) ? await store.insertFiredTimer(fired) : null;
  }


  private composeReminder(
    office: OfficeRecord,
    clock: ClockRow,
    policy: ReminderPolicy,
    level: number,
    zone: string,
    coordinator: string,
    now: Date,
    bouncing: Set<string>,
  ) {
    const toOffice = policy.recipient === 'office';
    const language = toOffice ? office.language : 'en';
    const recipients = toOffice ? this.officeAddresses(office, policy).filter((a) => !bouncing.has(a.toLowerCase())) : [coordinator];
    const expires = new Date(now.getTime() + this.deps.config.linkTtlMs);
    const links: Partial<Record<LinkAction, string>> = {};
    if (toOffice) {
      const allowed = EVENTS_FROM.get(clock.state);
      for (const action of TEMPLATE_LINKS[policy.template] ?? []) {
        if (!allowed?.has(LINK_ACTIONS[action].event)) continue;
        // The link answers this state entry only: a later entry of the same state gets its own.
        const entry = { state: clock.state, enteredAt: new Date(clock.entered_at) };
        links[action] = this.linkUrl(this.deps.links.create(office.id, action, expires, entry));
      }
    }
    const meta = STATE_META.get(clock.state);
    const rendered = this.deps.templates.render(policy.template, language, {
      office: { ...office, countryName: countryName(office.country, language) },
      state: { path: clock.state, label: stateLabel(clock.state, languageOf(language)), description: meta?.description ?? '' },
      since: longDate(clock.entered_at, zone, language),
      days: daysSince(clock.entered_at, now.getTime()),
      deadline: longDate(clock.deadline, zone, language),
      reminder: { level, of: policy.reminders },
      coordinator: { email: coordinator },
      links,
      linkExpires: longDate(expires.toISOString(), zone, language),
      officeUrl: this.officeUrl(office.id),
      workshopId: office.snapshot.context.workshopId,
    });
    return { recipients, subject: rendered.subject, text: rendered.text, html: rendered.html, language: rendered.language };
  }

  private async composeEscalation(office: OfficeRecord, policy: ReminderPolicy, zone: string, coordinator: string, now: Date) {
    const t = now.getTime();
    const overdue = (await this.deps.store
      .clocks(office.id))
      .filter((c) => isOverdue(c.deadline, c.paused_at, t))
      .map((c) => ({
        state: c.state,
        label: stateLabel(c.state),
        since: longDate(c.entered_at, zone, 'en'),
        daysOverdue: daysOverdue(c.deadline, c.paused_at, t),
        remindersSent: c.reminders_sent,
        owner: c.owner === 'office' ? 'the office' : 'WIPO',
      }));
    const rendered = this.deps.templates.render('escalation', 'en', {
      office: { ...office, countryName: countryName(office.country, 'en') },
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
  async pause(officeId: string, until: Date, reason: string, actor: string): Promise<void> {
    const { engine, store } = this.deps;
    const now = engine.clock.now();
    assertInRange(until, 'until');
    if (until.getTime() <= now.getTime()) {
      throw new EngineError('invalid_input', 'A pause must end in the future.', { until: until.toISOString() });
    }
    await engine.transact(async () => {
      if (!await engine.store.getOffice(officeId)) throw officeNotFound(officeId);
      const at = now.toISOString();
      const existing = await store.pause(officeId);
      await store.upsertPause({ office_id: officeId, paused_at: existing?.paused_at ?? at, until: until.toISOString(), reason, actor });
      if (!existing) await store.pauseClocks(officeId, at);
      await store.log(officeId, at, 'PAUSED', null, null, { until: until.toISOString(), reason }, actor);
    });
  }

  /** Ends a pause (at `at`, default now): deadlines and pending timers move by the paused time. */
  async resume(officeId: string, actor: string, at: Date = this.deps.engine.clock.now()): Promise<void> {
    const { engine } = this.deps;
    await engine.transact(async () => {
      if (!await engine.store.getOffice(officeId)) throw officeNotFound(officeId);
      if (!await this.deps.store.pause(officeId)) {
        throw new EngineError('conflict', `The reminders of office "${officeId}" are not paused.`, { id: officeId });
      }
      await this.endPause(officeId, at, actor);
    });
  }

  /** Resumes offices whose pause has run out (at the pause's own end). Call inside a unit of work. */
  async resumeExpired(now: Date): Promise<number> {
    // The query compares ISO strings, which is sound because every stored `until` is inside the
    // accepted range (fixed width, engine/dates.ts); a row written before that bound (`+010000-…`
    // sorts first) is checked again as an instant and left paused.
    const expired = (await this.deps.store.expiredPauses(now.toISOString(), 500)).filter((p) => Date.parse(p.until) <= now.getTime());
    for (const pause of expired) await this.endPause(pause.office_id, new Date(pause.until), 'scheduler');
    return expired.length;
  }

  private async endPause(officeId: string, at: Date, actor: string): Promise<void> {
    const { store } = this.deps;
    const office = (await this.deps.engine.store.getOffice(officeId))!;
    const zone = await this.zoneOf(office);
    for (const clock of await store.clocks(officeId)) {
      if (!clock.paused_at) continue;
      const shift = Math.max(0, at.getTime() - Date.parse(clock.paused_at));
      const deadline = new Date(Date.parse(clock.deadline) + shift).toISOString();
      if (clock.next_level === null || clock.next_nominal_at === null) {
        await store.resumeClock(officeId, clock.state, deadline, null, null);
        continue;
      }
      const nominal = new Date(Date.parse(clock.next_nominal_at) + shift);
      const due = this.pendingDueAt(clock.state, clock.next_level, nominal, zone);
      await store.resumeClock(officeId, clock.state, deadline, nominal.toISOString(), due.toISOString());
    }
    await store.deletePause(officeId);
    await store.log(officeId, at.toISOString(), 'RESUMED', null, null, {}, actor);
  }

  /** Due time of a pending level (as `dueAt`); a state whose policy was removed fires (and clears) at its nominal time. */
  private pendingDueAt(state: string, level: number, nominal: Date, zone: string): Date {
    const policy = this.deps.policies.get(state);
    return policy ? this.dueAt(nominal, kindOf(level, policy), policy, zone) : nominal;
  }

  private kindAt(state: string, level: number): TimerKind {
    const policy = this.deps.policies.get(state);
    return policy ? kindOf(level, policy) : 'reminder';
  }

  /**
   * Every timer of an office: the fired ones, then the pending (or paused) level of each clock.
   * A paused level shows the due time it had when the pause began.
   */
  async timers(office: OfficeRecord): Promise<ReminderTimerView[]> {
    const { store } = this.deps;
    const fired = (await store.firedTimers(office.id)).map(
      (t): ReminderTimerView => ({ id: t.id, state: t.state, level: t.level, kind: t.kind, dueAt: t.due_at, status: 'fired', firedAt: t.fired_at }),
    );
    let zone: string | undefined;
    const pending: ReminderTimerView[] = [];
    for (const c of await store.clocks(office.id)) {
      if (c.next_level === null || c.next_nominal_at === null) continue;
      const dueAt = c.next_reminder_at ?? this.pendingDueAt(c.state, c.next_level, new Date(c.next_nominal_at), (zone ??= await this.zoneOf(office))).toISOString();
      const status = c.paused_at ? 'paused' : 'pending';
      pending.push({ id: null, state: c.state, level: c.next_level, kind: this.kindAt(c.state, c.next_level), dueAt, status, firedAt: null });
    }
    pending.sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.state.localeCompare(b.state));
    return [...fired, ...pending];
  }

  /**
   * What the office view shows: next reminder and time left, pause, stalled/stuck, per-state clocks.
   * `during`: the transition that produced `office`, still in its transaction (the events route's
   * answer), whose reads of the settings and the pause it shares.
   */
  async status(office: OfficeRecord, now: Date = this.deps.engine.clock.now(), during?: TransitionRecord): Promise<ReminderStatus> {
    const { store } = this.deps;
    const t = now.getTime();
    const pause = await (during ? this.pauseOfTransition(during) : store.pause(office.id));
    const rows = await store.clocks(office.id);
    const clocks = rows.map((c): ReminderClockView => {
      return {
        state: c.state,
        owner: c.owner,
        enteredAt: c.entered_at,
        deadline: c.deadline,
        stalled: isOverdue(c.deadline, c.paused_at, t),
        daysOverdue: daysOverdue(c.deadline, c.paused_at, t),
        remindersSent: c.reminders_sent,
        escalated: c.escalated_at !== null,
        nextReminderAt: c.paused_at ? null : c.next_reminder_at,
      };
    });
    let next: { at: string; state: string; level: number } | undefined;
    for (const c of pause ? [] : rows) {
      if (c.paused_at || c.next_reminder_at === null || c.next_level === null) continue;
      if (!next || c.next_reminder_at < next.at) next = { at: c.next_reminder_at, state: c.state, level: c.next_level };
    }
    const inMs = next ? Math.max(0, Date.parse(next.at) - t) : 0;
    return {
      stalled: clocks.some((c) => c.stalled),
      stuck: clocks.some((c) => c.escalated),
      nextReminder: next
        ? {
            at: next.at,
            state: next.state,
            kind: this.kindAt(next.state, next.level),
            level: next.level,
            inMs,
            in: isoDuration(inMs),
          }
        : null,
      paused: pause ? { since: pause.paused_at, until: pause.until, reason: pause.reason, by: pause.actor } : null,
      timeZone: during ? zoneOf(office.country, (await this.settingsOfTransition(during)).time_zone) : await this.zoneOf(office),
      clocks,
    };
  }
}

function isoDuration(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const rest = ms - days * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  const minutes = Math.floor((rest % 3_600_000) / 60_000);
  return `P${days}DT${hours}H${minutes}M`;
}
