import { STAGE_ORDER, type ColourBy, type CountryFigures } from '../../analytics/countries';
import { stateLabel } from '../../machines/labels';
import { STAGE_COLOURS } from '../pages/analytics-charts';

/** A country without offices, and one whose figure is missing (risk with no open office). */
export const NO_OFFICE_FILL = '#eceff3';
export const NO_FIGURE_FILL = '#b9c0ca';

export interface LegendEntry {
  label: string;
  fill: string;
}

interface Bin {
  /** Inclusive lower bound. */
  from: number;
  label: string;
  fill: string;
}

// Sequential single-hue scales, light to dark, so that darker always means more.
const COUNT_BINS: Bin[] = [
  { from: 1, label: '1 office', fill: '#c6dbef' },
  { from: 2, label: '2 offices', fill: '#6baed6' },
  { from: 3, label: '3–4 offices', fill: '#3182bd' },
  { from: 5, label: '5 or more', fill: '#08519c' },
];
const shareBins = (fills: [string, string, string, string, string], what: string): Bin[] => [
  { from: 0, label: `None ${what}`, fill: fills[0] },
  { from: 0.0001, label: 'Up to 25%', fill: fills[1] },
  { from: 0.2501, label: '25–50%', fill: fills[2] },
  { from: 0.5001, label: '50–75%', fill: fills[3] },
  { from: 0.7501, label: 'Over 75%', fill: fills[4] },
];
const STALLED_BINS = shareBins(['#fdebd7', '#fdbe85', '#fd8d3c', '#d94701', '#8c2d04'], 'stalled');
const RISK_BINS = shareBins(['#efedf5', '#cbc9e2', '#9e9ac8', '#756bb1', '#54278f'], 'at risk');

const binFill = (bins: Bin[], value: number) => [...bins].reverse().find((b) => value >= b.from)!.fill;

/**
 * The stage colours of the other charts, but for the prospect stage: its pale grey there would read
 * as "no office" on a map, so it gets a lavender no other stage uses.
 */
const MAP_STAGE_COLOURS: Record<string, string> = { ...STAGE_COLOURS, prospect: '#c3b1e1' };

/** The fill of a country with offices under the chosen colouring. */
export function fillOf(colour: ColourBy, c: CountryFigures): string {
  switch (colour) {
    case 'stage':
      return MAP_STAGE_COLOURS[c.stage] ?? NO_FIGURE_FILL;
    case 'count':
      return binFill(COUNT_BINS, c.offices);
    case 'stalled':
      return binFill(STALLED_BINS, c.stalledShare);
    case 'risk':
      return c.risk === null ? NO_FIGURE_FILL : binFill(RISK_BINS, c.risk);
  }
}

/** The legend of a colouring: for stages, only the stages some country is shown in. */
export function legendOf(colour: ColourBy, countries: CountryFigures[]): LegendEntry[] {
  const none: LegendEntry = { label: 'No office', fill: NO_OFFICE_FILL };
  switch (colour) {
    case 'stage': {
      const shown = new Set(countries.map((c) => c.stage));
      return [...STAGE_ORDER.filter((s) => shown.has(s)).map((s) => ({ label: stateLabel(s), fill: MAP_STAGE_COLOURS[s] ?? NO_FIGURE_FILL })), none];
    }
    case 'count':
      return [...COUNT_BINS.map(({ label, fill }) => ({ label, fill })), none];
    case 'stalled':
      return [...STALLED_BINS.map(({ label, fill }) => ({ label, fill })), none];
    case 'risk':
      return [...RISK_BINS.map(({ label, fill }) => ({ label, fill })), { label: 'No open office', fill: NO_FIGURE_FILL }, none];
  }
}

export const COLOUR_LABELS: Record<ColourBy, string> = {
  stage: 'Stage',
  count: 'Offices',
  stalled: 'Share stalled',
  risk: 'Forecast risk',
};

export const COLOUR_DESCRIPTIONS: Record<ColourBy, string> = {
  stage: 'The stage most of the country’s offices are in; a tie goes to a stage still in the programme (not declined or withdrawn), then to the earlier one.',
  count: 'How many offices the country has.',
  stalled: 'The share of the country’s offices stalled now (past a deadline in some state).',
  risk: 'The expected share of the country’s open offices not installed, connected or handed over by the programme deadline (the forecast’s per-office chances).',
};
