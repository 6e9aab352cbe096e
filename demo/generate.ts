import { getCountry } from 'countries-and-timezones';
import type { OfficeEvent } from '../machines/events';
import type { NewOffice } from '../engine/office-input';

/**
 * A realistic programme: ~180 offices in ~110 countries, each somewhere along its lifecycle,
 * with histories spread over the last two and a half years. Deterministic for a given seed.
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

export interface DemoEvent {
  officeId: string;
  at: Date;
  event: OfficeEvent;
}

export interface DemoData {
  offices: (NewOffice & { id: string; registeredAt: Date })[];
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

const DAY = 86_400_000;

function lifecycle(track: 'kit' | 'internet', rnd: () => number, person: { name: string; email: string }): OfficeEvent[] {
  const pick = <T>(p: number, yes: T[], no: T[] = []) => (rnd() < p ? yes : no);
  const head: OfficeEvent[] = [{ type: 'SEND_CIRCULAR' }];
  if (rnd() < 0.08) {
    return [...head, { type: 'REPLY_DECLINED', reason: 'No budget for network equipment this biennium.' }];
  }
  head.push({ type: 'REPLY_AFFIRMATIVE' });
  const site: OfficeEvent[] =
    track === 'internet'
      ? []
      : [
          { type: 'SITE_SURVEYED' },
          ...pick<OfficeEvent>(0.3, [
            { type: 'SITE_DIFFICULTY', reason: 'Power supply in the server room is unstable.' },
            { type: 'DIFFICULTY_RESOLVED' },
          ]),
          { type: 'SITE_READY' },
        ];
  const workshop = `WS-${1 + Math.floor(rnd() * 8)}`;
  const training: OfficeEvent[] = [
    { type: 'FOCAL_POINT_NOMINATED', ...person },
    { type: 'ENROLLED', workshopId: workshop },
    ...pick<OfficeEvent>(0.15, [{ type: 'NO_SHOW' }, { type: 'ENROLLED', workshopId: `WS-${1 + Math.floor(rnd() * 8)}` }]),
    { type: 'TRAINING_COMPLETED' },
  ];
  // The two regions of `preparing` advance independently: interleave them at random.
  const preparing: OfficeEvent[] = [];
  while (site.length || training.length) {
    const fromSite = site.length > 0 && (training.length === 0 || rnd() < 0.5);
    preparing.push((fromSite ? site : training).shift()!);
  }
  const tail: OfficeEvent[] =
    track === 'internet'
      ? [{ type: 'SERVICES_CONNECTED' }, { type: 'HANDED_OVER' }]
      : [
          ...pick<OfficeEvent>(
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
  return [...head, ...preparing, ...tail];
}

export function generateDemoData(now: Date, seed = 2003): DemoData {
  const rnd = random(seed);
  const data: DemoData = { offices: [], events: [] };
  for (const country of COUNTRIES) {
    const count = TWO_OFFICES.has(country) ? 2 : 1;
    for (let n = 0; n < count; n++) {
      const language = FRENCH.has(country) ? 'fr' : SPANISH.has(country) ? 'es' : 'en';
      const countryName = getCountry(country)?.name ?? country;
      const id = `${country}-${n === 0 ? 'IPO' : 'TMO'}`;
      const first = FIRST[Math.floor(rnd() * FIRST.length)]!;
      const last = LAST[Math.floor(rnd() * LAST.length)]!;
      const contact = { name: `${first} ${last}`, email: `${first}.${last}@ipo.${country.toLowerCase()}.example`.toLowerCase(), role: 'Director' };
      const focal = { name: `${LAST[Math.floor(rnd() * LAST.length)]} ${FIRST[Math.floor(rnd() * FIRST.length)]}`, email: `it@ipo.${country.toLowerCase()}.example` };
      const track = rnd() < 0.2 ? 'internet' : 'kit';
      const registeredAt = new Date(now.getTime() - (900 + Math.floor(rnd() * 60)) * DAY);
      data.offices.push({
        id,
        name: `${OFFICE_NAMES[language][n]} ${countryName}`,
        country,
        language,
        track,
        contacts: [contact],
        registeredAt,
      });
      // Later offices were invited later, and some progress further than others.
      const full = lifecycle(track, rnd, focal);
      const reach = rnd() < 0.06 ? 0 : Math.ceil(rnd() * full.length * 1.2);
      let at = new Date(registeredAt.getTime() + Math.floor(rnd() * 500) * DAY);
      for (const event of full.slice(0, reach)) {
        at = new Date(at.getTime() + (5 + Math.floor(rnd() * 60)) * DAY + Math.floor(rnd() * DAY));
        if (at >= now) break;
        data.events.push({ officeId: id, at, event });
      }
    }
  }
  data.events.sort((a, b) => a.at.getTime() - b.at.getTime());
  return data;
}
