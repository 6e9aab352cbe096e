import { getCountry } from 'countries-and-timezones';
import { transition } from 'xstate';
import { describeMachine } from '../machines/describe';
import type { OfficeEvent } from '../machines/events';
import { officeMachine, type Track } from '../machines/office';
import type { NewOffice } from '../engine/office-input';
import { initialSnapshot, stageOf, type OfficeSnapshot } from '../engine/snapshot';

/**
 * A realistic programme: ~180 offices in ~110 countries, each somewhere along its lifecycle,
 * with histories spread over the last two and a half years, and at least one office in every
 * top-level stage of the machine. Deterministic for a given date and seed.
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

export interface DemoEvent {
  officeId: string;
  at: Date;
  event: OfficeEvent;
}

export type DemoOffice = NewOffice & { id: string; registeredAt: Date };

export interface DemoData {
  offices: DemoOffice[];
  events: DemoEvent[];
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

const DAY = 86_400_000;

function pickOne<T>(rnd: Rnd, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

function maybe<T>(rnd: Rnd, p: number, yes: T[], no: T[] = []): T[] {
  return rnd() < p ? yes : no;
}

/** Letter and reply. A declining office may be invited again in a later year (REOPEN) and accept. */
function opening(rnd: Rnd): { events: OfficeEvent[]; accepted: boolean } {
  const letter: OfficeEvent = { type: 'SEND_CIRCULAR' };
  if (rnd() >= DECLINE_RATE) return { events: [letter, { type: 'REPLY_AFFIRMATIVE' }], accepted: true };
  const declined: OfficeEvent[] = [letter, { type: 'REPLY_DECLINED', reason: pickOne(rnd, DECLINE_REASONS) }];
  if (rnd() >= REOPEN_RATE) return { events: declined, accepted: false };
  return { events: [...declined, { type: 'REOPEN' }, { type: 'REPLY_AFFIRMATIVE' }], accepted: true };
}

/** An internet-track office's site starts ready, so it has no site work. */
function siteEvents(track: Track, rnd: Rnd): OfficeEvent[] {
  if (track === 'internet') return [];
  return [
    { type: 'SITE_SURVEYED' },
    ...maybe<OfficeEvent>(rnd, 0.3, [
      { type: 'SITE_DIFFICULTY', reason: 'Power supply in the server room is unstable.' },
      { type: 'DIFFICULTY_RESOLVED' },
    ]),
    { type: 'SITE_READY' },
  ];
}

function trainingEvents(rnd: Rnd, person: { name: string; email: string }): OfficeEvent[] {
  const workshop = `WS-${1 + Math.floor(rnd() * 8)}`;
  return [
    { type: 'FOCAL_POINT_NOMINATED', ...person },
    { type: 'ENROLLED', workshopId: workshop },
    ...maybe<OfficeEvent>(rnd, 0.15, [{ type: 'NO_SHOW' }, { type: 'ENROLLED', workshopId: `WS-${1 + Math.floor(rnd() * 8)}` }]),
    { type: 'TRAINING_COMPLETED' },
  ];
}

/** The two regions of `preparing` advance independently: their events interleave at random. */
function interleave(a: readonly OfficeEvent[], b: readonly OfficeEvent[], rnd: Rnd): OfficeEvent[] {
  const left = [...a];
  const right = [...b];
  const merged: OfficeEvent[] = [];
  while (left.length || right.length) {
    const fromLeft = left.length > 0 && (right.length === 0 || rnd() < 0.5);
    merged.push((fromLeft ? left : right).shift()!);
  }
  return merged;
}

function finishingEvents(track: Track, rnd: Rnd): OfficeEvent[] {
  if (track === 'internet') return [{ type: 'SERVICES_CONNECTED' }, { type: 'HANDED_OVER' }];
  return [
    ...maybe<OfficeEvent>(
      rnd,
      0.2,
      [
        { type: 'DEPLOYMENT_HELD', reason: 'Waiting for the new Gold Disk release.' },
        { type: 'GOLD_DISK_RELEASED', version: '2.0' },
        { type: 'KIT_SHIPPED', goldDiskVersion: '2.0' },
      ],
      [{ type: 'KIT_SHIPPED', goldDiskVersion: '1.0' }],
    ),
    { type: 'KIT_DELIVERED' },
    { type: 'KIT_INSTALLED' },
    { type: 'HANDED_OVER' },
  ];
}

/** Everything that would happen to the office if it went all the way to the end. */
function lifecycle(track: Track, rnd: Rnd, person: { name: string; email: string }): OfficeEvent[] {
  const start = opening(rnd);
  if (!start.accepted) return start.events;
  const preparing = interleave(siteEvents(track, rnd), trainingEvents(rnd, person), rnd);
  return [...start.events, ...preparing, ...finishingEvents(track, rnd)];
}

/** Time since the event before; a reopening waits for a later programme year. */
function gapMs(event: OfficeEvent, rnd: Rnd): number {
  const days = event.type === 'REOPEN' ? 120 + Math.floor(rnd() * 240) : 5 + Math.floor(rnd() * 60);
  return days * DAY + Math.floor(rnd() * DAY);
}

/** The script's events dated; only those before `now` have happened. */
function schedule(script: readonly OfficeEvent[], start: Date, now: Date, rnd: Rnd): { event: OfficeEvent; at: Date }[] {
  const dated: { event: OfficeEvent; at: Date }[] = [];
  let at = start.getTime();
  for (const event of script) {
    at += gapMs(event, rnd);
    if (at >= now.getTime()) break;
    dated.push({ event, at: new Date(at) });
  }
  return dated;
}

/** Where an office's history stops: after `reach` events of its script, then withdrawn or not. */
interface Ending {
  reach: number;
  withdrawn: boolean;
  /** The top-level stage the office is in at the end. */
  stage: string;
}

interface OfficePlan {
  office: DemoOffice;
  /** Length of the whole script, including what has not happened by now. */
  scriptLength: number;
  /** The script's events that could have happened by now, dated. */
  happened: { event: OfficeEvent; at: Date }[];
  withdrawal: OfficeEvent;
  /** How long after its last event the office would withdraw: 0 (a month) to 1 (six months). */
  withdrawalPoint: number;
  /** Every ending the office can have by now, each with its stage. */
  endings: Ending[];
}

/** Replays the events through the machine: the stage after each prefix, and where withdrawing would lead. */
function possibleEndings(track: Track, events: readonly OfficeEvent[], withdrawal: OfficeEvent): Ending[] {
  const endings: Ending[] = [];
  let snapshot: OfficeSnapshot = initialSnapshot({ track });
  for (let reach = 0; ; reach++) {
    endings.push({ reach, withdrawn: false, stage: stageOf(snapshot.value) });
    // An office that was never invited has nothing to withdraw from; `can()` alone does not
    // refuse events to a final state, the engine's status check does.
    if (reach > 0 && snapshot.status === 'active' && snapshot.can(withdrawal)) {
      endings.push({ reach, withdrawn: true, stage: stageOf(transition(officeMachine, snapshot, withdrawal)[0].value) });
    }
    const next = events[reach];
    if (!next) return endings;
    snapshot = transition(officeMachine, snapshot, next)[0];
  }
}

/** Names keep their accents; addresses drop them (`garcía` → `garcia`), so the demo passes the API's own email check. */
const asciiAddress = (address: string) => address.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

function planOffice(country: string, n: number, now: Date, rnd: Rnd): OfficePlan {
  const language = FRENCH.has(country) ? 'fr' : SPANISH.has(country) ? 'es' : 'en';
  const countryName = getCountry(country)?.name ?? country;
  const id = `${country}-${n === 0 ? 'IPO' : 'TMO'}`;
  const first = pickOne(rnd, FIRST);
  const last = pickOne(rnd, LAST);
  const contact = { name: `${first} ${last}`, email: asciiAddress(`${first}.${last}@ipo.${country.toLowerCase()}.example`), role: 'Director' };
  const focal = { name: `${pickOne(rnd, LAST)} ${pickOne(rnd, FIRST)}`, email: `it@ipo.${country.toLowerCase()}.example` };
  const track: Track = rnd() < 0.2 ? 'internet' : 'kit';
  const registeredAt = new Date(now.getTime() - (900 + Math.floor(rnd() * 60)) * DAY);
  const office: DemoOffice = { id, name: `${OFFICE_NAMES[language][n]} ${countryName}`, country, language, track, contacts: [contact], registeredAt };
  const script = lifecycle(track, rnd, focal);
  const firstLetter = new Date(registeredAt.getTime() + Math.floor(rnd() * 500) * DAY);
  const happened = schedule(script, firstLetter, now, rnd);
  const withdrawal: OfficeEvent = { type: 'WITHDRAWN', reason: pickOne(rnd, WITHDRAWAL_REASONS) };
  return {
    office,
    scriptLength: script.length,
    happened,
    withdrawal,
    withdrawalPoint: rnd(),
    endings: possibleEndings(track, happened.map((h) => h.event), withdrawal),
  };
}

/** Some offices progress further than others; a few leave the programme. */
function chooseEnding(plan: OfficePlan, rnd: Rnd): Ending {
  const wanted = rnd() < PROSPECT_RATE ? 0 : Math.ceil(rnd() * plan.scriptLength * 1.2);
  const reach = Math.min(wanted, plan.happened.length);
  const withdrawn = rnd() < WITHDRAWAL_RATE;
  const stay = plan.endings.find((e) => e.reach === reach && !e.withdrawn)!;
  return (withdrawn && plan.endings.find((e) => e.reach === reach && e.withdrawn)) || stay;
}

function countStages(endings: readonly Ending[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of endings) counts.set(e.stage, (counts.get(e.stage) ?? 0) + 1);
  return counts;
}

/**
 * For each stage no office ended in, moves one office to an ending in it, taken from an office whose
 * own stage keeps others, so a rare stage (withdrawn, connected …) always shows on the dashboard.
 */
function coverStages(plans: readonly OfficePlan[], chosen: readonly Ending[], stages: readonly string[], rnd: Rnd): Ending[] {
  const endings = [...chosen];
  for (const stage of stages) {
    const counts = countStages(endings);
    if (counts.has(stage)) continue;
    const candidates = plans.flatMap((plan, index) =>
      (counts.get(endings[index]!.stage) ?? 0) > 1 ? plan.endings.filter((e) => e.stage === stage).map((ending) => ({ index, ending })) : [],
    );
    // No script reaches the stage by now: left uncovered, and tests/demo.test.ts fails on it.
    if (candidates.length === 0) continue;
    const { index, ending } = pickOne(rnd, candidates);
    endings[index] = ending;
  }
  return endings;
}

/** A withdrawal comes some weeks or months after the office's last event, and before now. */
function withdrawalDate(plan: OfficePlan, reach: number, now: Date): Date {
  const last = (plan.happened[reach - 1]?.at ?? plan.office.registeredAt).getTime();
  const gap = Math.min((30 + plan.withdrawalPoint * 150) * DAY, (now.getTime() - last) * 0.9);
  return new Date(last + Math.max(1, Math.floor(gap)));
}

function historyOf(plan: OfficePlan, ending: Ending, now: Date): DemoEvent[] {
  const officeId = plan.office.id;
  const events = plan.happened.slice(0, ending.reach).map(({ event, at }) => ({ officeId, event, at }));
  if (ending.withdrawn) events.push({ officeId, event: plan.withdrawal, at: withdrawalDate(plan, ending.reach, now) });
  return events;
}

export function generateDemoData(now: Date, seed = 2003): DemoData {
  const rnd = random(seed);
  const plans = COUNTRIES.flatMap((country) => (TWO_OFFICES.has(country) ? [0, 1] : [0]).map((n) => planOffice(country, n, now, rnd)));
  const chosen = plans.map((plan) => chooseEnding(plan, rnd));
  const stages = describeMachine().root.states.map((s) => s.key);
  const endings = coverStages(plans, chosen, stages, rnd);
  const events = plans.flatMap((plan, i) => historyOf(plan, endings[i]!, now));
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { offices: plans.map((p) => p.office), events };
}
