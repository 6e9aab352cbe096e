import { getCountry } from 'countries-and-timezones';
import { transition } from 'xstate';
import { allStates, describeMachine } from '../machines/describe';
import type { OfficeEvent } from '../machines/events';
import { officeMachine, type Track } from '../machines/office';
import type { NewOffice } from '../engine/office-input';
import { durationMs } from '../engine/reminder-policies';
import { initialSnapshot, stageOf, type OfficeSnapshot } from '../engine/snapshot';

/**
 * A programme in progress on the day it is generated: ~180 offices in ~110 countries that joined
 * over the last two and a half years, each simulated forward in time state by state up to `now`.
 * Most states last less than their SLA, some much longer, so about a fifth of the offices are
 * stalled today, by days or weeks rather than years. Workshops every few months (held ones in the
 * past, planned ones ahead) and two Gold Disk versions, with a past deployment hold and a current
 * one, are part of the data, so every workshop and version an office cites exists. At least one
 * office is in every top-level stage. Deterministic for a given date and seed.
 */
const COUNTRIES = (
  'DZ AR AM AU AT AZ BD BY BE BJ BO BA BW BR BG BF BI KH CM CA CF TD CL CN CO CG CR CI HR CU CY CZ DK DO EC EG SV EE ET FI ' +
  'FR GA GM GE DE GH GR GT GN HT HN HU IS IN ID IR IE IL IT JM JP JO KZ KE KG LA LV LB LS LT LU MG MW MY ML MT MR MU MX MA ' +
  'NL NZ NG PK PE PH PL PT KR RO RU SN SG ZA ES SE CH TH TN TR UG UA GB TZ US UZ VE VN ZM ZW'
).split(' ');

const FRENCH = new Set('BJ BF BI CM CF TD CG CI FR GA GN HT LU MG ML MR NE SN TG TN DZ MA BE CH'.split(' '));
const SPANISH = new Set('AR BO CL CO CR CU DO EC SV GT HN MX NI PA PY PE ES UY VE'.split(' '));
const TWO_OFFICES = new Set('US CN JP DE FR GB BR IN RU KR ES IT MX CA AU AR EG ZA NG KE TR ID PH TH PK IR UA PL SE NL CH AT BE PT GR CZ HU RO BG CL CO PE VE MA DZ TN SN CM GH ET TZ UG ZM ZW VN MY SG NZ IL JO LB KZ UZ AM AZ BD BY BJ BO BA'.split(' '));

const OFFICE_NAMES: Record<'en' | 'fr' | 'es', [string, string]> = {
  en: ['Intellectual Property Office of', 'Trademarks and Patents Registry of'],
  fr: ["Office de la propriété industrielle –", 'Institut national de la propriété intellectuelle –'],
  es: ['Oficina de Propiedad Industrial –', 'Instituto Nacional de Propiedad Intelectual –'],
};

const FIRST = ['Amina', 'Carlos', 'Mei', 'Olga', 'Kwame', 'Sofía', 'Jean', 'Priya', 'Ahmed', 'Lena', 'Tomás', 'Fatou', 'Ivan', 'Grace', 'Nadia'];
const LAST = ['Diallo', 'García', 'Chen', 'Petrova', 'Mensah', 'López', 'Dupont', 'Sharma', 'Haddad', 'Berg', 'Silva', 'Ndiaye', 'Novak', 'Okafor', 'Rahman'];

const DECLINE_REASONS = [
  'No budget for network equipment this biennium.',
  'The office has no IT staff to run a network node yet.',
  'The national Internet connection is too unreliable for now.',
];

const WITHDRAWAL_REASONS = [
  'The office merged into a regional intellectual property organisation.',
  "The government moved the office's IT services to the national data centre.",
  'The office chose a commercial provider for its network services.',
];

/** Share of offices that decline the invitation, and of those the share invited again later. */
const DECLINE_RATE = 0.12;
const REOPEN_RATE = 0.45;
/** Share of invited offices that leave the programme at some point. */
const WITHDRAWAL_RATE = 0.04;
/** Share of offices not yet sent a circular letter. */
const PROSPECT_RATE = 0.06;
/** Share of state stays that run past the state's SLA (the rest end well within it). */
const LATE_RATE = 0.5;
/** Share of site preparations that meet a difficulty, and of trainees who miss their workshop. */
const DIFFICULTY_RATE = 0.3;
const NO_SHOW_RATE = 0.12;
const INTERNET_RATE = 0.2;

const DAY = 86_400_000;
/** The programme started this long before `now`. */
const PROGRAMME_DAYS = 900;

export interface DemoEvent {
  officeId: string;
  at: Date;
  event: OfficeEvent;
}

export type DemoOffice = NewOffice & { id: string; registeredAt: Date };

export interface DemoWorkshop {
  id: string;
  title: string;
  city: string;
  country: string;
  start: string;
  end: string;
  capacity: number;
  status: 'planned' | 'held';
  createdAt: string;
  statusAt: string | null;
}

export interface DemoGoldDisk {
  version: string;
  notes: string;
  releasedAt: Date;
}

export interface DemoData {
  offices: DemoOffice[];
  events: DemoEvent[];
  workshops: DemoWorkshop[];
  goldDisks: DemoGoldDisk[];
}

/** Mulberry32: small, fast and good enough for repeatable demo and benchmark data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rnd = () => number;

function pickOne<T>(rnd: Rnd, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

/** Each state's SLA in days, from the machine's reminder policies (30 days where it has none). */
const SLA_DAYS = new Map(allStates().map((s) => [s.path, s.meta.reminders ? durationMs(s.meta.reminders.sla) / DAY : 30]));

/** How long a stay in `state` lasts: mostly well within its SLA, sometimes (LATE_RATE) one to three times it. */
function stay(state: string, rnd: Rnd): number {
  const sla = SLA_DAYS.get(state) ?? 30;
  const factor = rnd() < LATE_RATE ? 1.2 + rnd() * 2 : 0.3 + rnd() * 0.65;
  return Math.max(DAY / 4, sla * factor * DAY + Math.floor(rnd() * DAY));
}

const WORKSHOP_CITIES: [string, string][] = [
  ['Geneva', 'CH'], ['Nairobi', 'KE'], ['Santiago', 'CL'], ['Bangkok', 'TH'], ['Dakar', 'SN'], ['Cairo', 'EG'],
  ['Kuala Lumpur', 'MY'], ['Mexico City', 'MX'], ['Almaty', 'KZ'], ['Accra', 'GH'], ['Lima', 'PE'], ['Tunis', 'TN'],
];

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A five-day workshop about every eleven weeks, from two months into the programme to five months ahead. */
function planWorkshops(now: number): DemoWorkshop[] {
  const out: DemoWorkshop[] = [];
  const first = now - (PROGRAMME_DAYS - 60) * DAY;
  for (let i = 0, start = first; start < now + 150 * DAY; i++, start += 77 * DAY) {
    const [city, country] = WORKSHOP_CITIES[i % WORKSHOP_CITIES.length]!;
    const startDay = isoDay(start);
    const endDay = isoDay(start + 4 * DAY);
    const held = start + 5 * DAY <= now;
    out.push({
      id: `WS-${String(i + 1).padStart(2, '0')}`,
      title: `WIPOnet focal-point training, ${city}`,
      city,
      country,
      start: startDay,
      end: endDay,
      capacity: 40,
      status: held ? 'held' : 'planned',
      createdAt: new Date(start - 120 * DAY).toISOString(),
      statusAt: held ? `${endDay}T17:00:00.000Z` : null,
    });
  }
  return out;
}

/** Gold Disk releases and deployment holds, programme-wide. */
interface Deployment {
  goldDisks: DemoGoldDisk[];
  /** A hold from `from` until the release of `version` at `until` (null: not yet released). */
  holds: { from: number; until: number | null; version: string | null; reason: string }[];
}

function planDeployment(now: number): Deployment {
  const v1 = now - (PROGRAMME_DAYS + 30) * DAY;
  const heldAt = now - 420 * DAY;
  const v2 = now - 360 * DAY;
  return {
    goldDisks: [
      { version: '1.0', notes: 'First Gold Disk: the WIPOnet node image shipped with every kit.', releasedAt: new Date(v1) },
      { version: '2.0', notes: 'Operating system and mail relay upgrade; replaces 1.0 on new kits.', releasedAt: new Date(v2) },
    ],
    holds: [
      { from: heldAt, until: v2, version: '2.0', reason: 'Waiting for the new Gold Disk release.' },
      { from: now - 25 * DAY, until: null, version: null, reason: 'Security update of Gold Disk 2.0 under test: shipments paused.' },
    ],
  };
}

/** Seats taken per workshop while the offices are simulated. */
type Seats = Map<string, number>;

interface Timeline {
  events: { at: number; event: OfficeEvent }[];
}

const push = (line: Timeline, at: number, event: OfficeEvent) => line.events.push({ at, event });

/** Nomination, then enrolment in the next workshop with a seat, attendance (or a no-show and the next one). Returns when trained. */
function training(line: Timeline, from: number, person: { name: string; email: string }, workshops: readonly DemoWorkshop[], seats: Seats, rnd: Rnd): number {
  let t = from + stay('preparing.training.awaitingNomination', rnd);
  push(line, t, { type: 'FOCAL_POINT_NOMINATED', ...person });
  for (;;) {
    t += stay('preparing.training.nominated', rnd) * 0.5;
    const enrolAt = t;
    const workshop = workshops.find((w) => Date.parse(w.start) >= enrolAt + 10 * DAY && (seats.get(w.id) ?? 0) < w.capacity);
    if (!workshop) return Number.POSITIVE_INFINITY;
    seats.set(workshop.id, (seats.get(workshop.id) ?? 0) + 1);
    push(line, enrolAt, { type: 'ENROLLED', workshopId: workshop.id });
    t = Date.parse(`${workshop.end}T17:00:00.000Z`) + (1 + rnd() * 4) * DAY;
    if (rnd() < NO_SHOW_RATE) {
      push(line, t, { type: 'NO_SHOW' });
      continue;
    }
    push(line, t, { type: 'TRAINING_COMPLETED' });
    return t;
  }
}

/** Survey, site work (perhaps with a difficulty), ready. Returns when ready. */
function site(line: Timeline, from: number, rnd: Rnd): number {
  let t = from + stay('preparing.site.surveying', rnd);
  push(line, t, { type: 'SITE_SURVEYED' });
  if (rnd() < DIFFICULTY_RATE) {
    t += stay('preparing.site.inProgress', rnd) * 0.4;
    push(line, t, { type: 'SITE_DIFFICULTY', reason: pickOne(rnd, DIFFICULTIES) });
    t += stay('preparing.site.blocked', rnd);
    push(line, t, { type: 'DIFFICULTY_RESOLVED' });
  }
  t += stay('preparing.site.inProgress', rnd);
  push(line, t, { type: 'SITE_READY' });
  return t;
}

const DIFFICULTIES = [
  'Power supply in the server room is unstable.',
  'The server room has no air conditioning yet.',
  'The leased line to the office is not yet installed.',
];

/** Kit shipped, delivered, installed, handed over; a hold that comes while the kit is awaited or on its way holds it until the release. */
function kit(line: Timeline, ready: number, deployment: Deployment, rnd: Rnd): void {
  const startingIn = (from: number, to: number) => deployment.holds.find((h) => h.from >= from && h.from < to);
  let t = ready;
  for (;;) {
    // Nothing ships while a hold runs: an office ready during one waits for the release.
    const running = deployment.holds.find((h) => h.from <= t && (h.until === null || t < h.until));
    if (running) {
      if (running.until === null) return;
      t = running.until;
    }
    const shipped = t + stay('deployment.awaitingKit', rnd);
    let hold = startingIn(t, shipped);
    if (!hold) {
      push(line, shipped, kitShipped(shipped, deployment));
      const delivered = shipped + stay('deployment.inTransit', rnd);
      hold = startingIn(shipped, delivered);
      if (!hold) {
        push(line, delivered, { type: 'KIT_DELIVERED' });
        const installed = delivered + stay('deployment.installing', rnd);
        push(line, installed, { type: 'KIT_INSTALLED' });
        push(line, installed + stay('installed', rnd), { type: 'HANDED_OVER' });
        return;
      }
    }
    push(line, hold.from + DAY / 8, { type: 'DEPLOYMENT_HELD', reason: hold.reason });
    if (hold.until === null || hold.version === null) return;
    push(line, hold.until + DAY / 8, { type: 'GOLD_DISK_RELEASED', version: hold.version });
    t = hold.until + DAY / 8;
  }
}

/** The Gold Disk current when the kit leaves. */
function kitShipped(at: number, deployment: Deployment): OfficeEvent {
  const current = [...deployment.goldDisks].reverse().find((g) => g.releasedAt.getTime() <= at) ?? deployment.goldDisks[0]!;
  return { type: 'KIT_SHIPPED', goldDiskVersion: current.version };
}

interface OfficePlan {
  office: DemoOffice;
  events: { at: number; event: OfficeEvent }[];
}

/** Names keep their accents; addresses drop them (`garcía` → `garcia`), so the demo passes the API's own email check. */
const asciiAddress = (address: string) => address.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

function planOffice(country: string, n: number, now: number, ctx: { workshops: readonly DemoWorkshop[]; seats: Seats; deployment: Deployment }, rnd: Rnd): OfficePlan {
  const language = FRENCH.has(country) ? 'fr' : SPANISH.has(country) ? 'es' : 'en';
  const countryName = getCountry(country)?.name ?? country;
  const id = `${country}-${n === 0 ? 'IPO' : 'TMO'}`;
  const first = pickOne(rnd, FIRST);
  const last = pickOne(rnd, LAST);
  const contact = { name: `${first} ${last}`, email: asciiAddress(`${first}.${last}@ipo.${country.toLowerCase()}.example`), role: 'Director' };
  const focal = { name: `${pickOne(rnd, LAST)} ${pickOne(rnd, FIRST)}`, email: `it@ipo.${country.toLowerCase()}.example` };
  const track: Track = rnd() < INTERNET_RATE ? 'internet' : 'kit';
  // Letters went out over the whole programme, more of them as it gathered pace.
  const letter = now - (10 + Math.pow(rnd(), 2) * (PROGRAMME_DAYS - 200)) * DAY;
  const registeredAt = new Date(Math.max(now - (PROGRAMME_DAYS + 20) * DAY, letter - (10 + rnd() * 50) * DAY));
  const office: DemoOffice = { id, name: `${OFFICE_NAMES[language][n]} ${countryName}`, country, language, track, contacts: [contact], registeredAt };
  const line: Timeline = { events: [] };
  const prospect = rnd() < PROSPECT_RATE;
  const withdrawal = rnd() < WITHDRAWAL_RATE ? letter + rnd() * (now - letter) : null;
  if (!prospect) simulate(line, letter, track, focal, ctx, rnd);
  let events = line.events.sort((a, b) => a.at - b.at).filter((e) => e.at < now - DAY / 4);
  if (withdrawal !== null && events.length > 0) {
    events = events.filter((e) => e.at < withdrawal);
    if (events.at(-1)!.event.type !== 'HANDED_OVER') events.push({ at: withdrawal, event: { type: 'WITHDRAWN', reason: pickOne(rnd, WITHDRAWAL_REASONS) } });
  }
  return { office, events };
}

function simulate(line: Timeline, letter: number, track: Track, focal: { name: string; email: string }, ctx: { workshops: readonly DemoWorkshop[]; seats: Seats; deployment: Deployment }, rnd: Rnd): void {
  push(line, letter, { type: 'SEND_CIRCULAR' });
  let t = letter + stay('invited', rnd);
  if (rnd() < DECLINE_RATE) {
    push(line, t, { type: 'REPLY_DECLINED', reason: pickOne(rnd, DECLINE_REASONS) });
    if (rnd() >= REOPEN_RATE) return;
    t += (120 + rnd() * 240) * DAY;
    push(line, t, { type: 'REOPEN' });
    t += stay('invited', rnd);
  }
  push(line, t, { type: 'REPLY_AFFIRMATIVE' });
  const siteReady = track === 'internet' ? t : site(line, t, rnd);
  const trained = training(line, t, focal, ctx.workshops, ctx.seats, rnd);
  const ready = Math.max(siteReady, trained);
  if (!Number.isFinite(ready)) return;
  if (track === 'internet') {
    const connected = ready + stay('connecting', rnd);
    push(line, connected, { type: 'SERVICES_CONNECTED' });
    push(line, connected + stay('connected', rnd), { type: 'HANDED_OVER' });
    return;
  }
  kit(line, ready, ctx.deployment, rnd);
}

/** Replays events through the machine: the stage after each prefix (index i: after i events). */
function stagesAlong(track: Track, events: readonly { event: OfficeEvent }[]): string[] {
  let snapshot: OfficeSnapshot = initialSnapshot({ track });
  const stages = [stageOf(snapshot.value)];
  for (const { event } of events) {
    snapshot = transition(officeMachine, snapshot, event)[0];
    stages.push(stageOf(snapshot.value));
  }
  return stages;
}

/**
 * For each top-level stage no office is in today, one office whose history went through it stops
 * there instead (the one that entered it most recently, from a stage that keeps others), so a
 * rare stage (withdrawn, connecting …) always shows on the dashboard.
 */
function coverStages(plans: OfficePlan[], stages: readonly string[]): void {
  for (const stage of stages) {
    const now = plans.map((p) => stagesAlong(p.office.track, p.events).at(-1)!);
    if (now.includes(stage)) continue;
    let best: { plan: number; cut: number; at: number } | null = null;
    plans.forEach((plan, index) => {
      if (now.filter((s) => s === now[index]).length < 2) return;
      const along = stagesAlong(plan.office.track, plan.events);
      along.forEach((s, cut) => {
        if (s !== stage || cut === 0 || along[cut - 1] === stage) return;
        const at = plan.events[cut - 1]!.at;
        if (!best || at > best.at) best = { plan: index, cut, at };
      });
    });
    if (best) {
      const { plan, cut } = best;
      plans[plan]!.events = plans[plan]!.events.slice(0, cut);
    }
  }
}

export function generateDemoData(now: Date, seed = 2003): DemoData {
  const rnd = random(seed);
  const t = now.getTime();
  const workshops = planWorkshops(t);
  const deployment = planDeployment(t);
  const ctx = { workshops, seats: new Map<string, number>(), deployment };
  const plans = COUNTRIES.flatMap((country) => (TWO_OFFICES.has(country) ? [0, 1] : [0]).map((n) => planOffice(country, n, t, ctx, rnd)));
  coverStages(plans, describeMachine().root.states.map((s) => s.key));
  const events = plans
    .flatMap((plan) => plan.events.map(({ at, event }) => ({ officeId: plan.office.id, at: new Date(Math.floor(at)), event })))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  return { offices: plans.map((p) => p.office), events, workshops, goldDisks: deployment.goldDisks };
}
