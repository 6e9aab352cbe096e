/** The map's figures per country as JSON; the `Same` line ties the computed type to the schema. */
import { z } from 'zod';
import { COLOUR_BY } from '../../analytics/countries';
import type { MapFigures } from '../map/figures';
import { openApiComponents } from '../openapi';
import { counts, timestamp, type Same } from './schemas';

const count = z.number().int().min(0);
const share = z.number().min(0).max(1);
const fill = z.string().regex(/^#[0-9a-f]{6}$/);

export const countriesSchema = z
  .strictObject({
    asOf: timestamp,
    colour: z.enum(COLOUR_BY),
    deadline: timestamp.nullable().describe('The forecast deadline when colour=risk, else null'),
    legend: z.array(z.strictObject({ label: z.string(), fill })),
    countries: z.array(
      z.strictObject({
        country: z.string().describe('ISO 3166-1 alpha-2'),
        name: z.string(),
        offices: count.describe('The total of /api/offices?country=XX'),
        stages: counts.describe('Offices in each top-level stage'),
        stage: z.string().describe('The stage most of its offices are in; a tie goes to a stage still in the programme (not declined or withdrawn), then to the earlier one'),
        stageLabel: z.string(),
        stalled: count.describe('Offices stalled now, the total of /api/offices?country=XX&stalled=1'),
        stalledShare: share,
        openOffices: count.nullable().describe('Open offices in the forecast; null unless colour=risk'),
        risk: share.nullable().describe('Expected share of the open offices not done by the deadline; null unless colour=risk, or with no open office'),
        fill: fill.describe('The colour the map fills it with'),
        drawn: z.boolean().describe('False when the country is too small for the 1:110m map (listed beside it)'),
      }),
    ),
  })
  .register(openApiComponents, { id: 'AnalyticsCountries' });

const _countriesAgrees: Same<z.output<typeof countriesSchema>, MapFigures> = true;
