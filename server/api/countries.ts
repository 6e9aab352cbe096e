import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { COLOUR_BY } from '../../analytics/countries';
import { formatParam, sendCsv, wantsCsv } from '../csv';
import { mapFigures } from '../map/figures';
import { route, type AnyRoute } from '../route';
import { countriesSchema } from './map-schemas';

export const countriesQuery = z.object({ colour: z.enum(COLOUR_BY).default('stage'), format: formatParam });

/** The map's figures per country: the same numbers `/map` draws, as JSON or CSV. */
export function countriesRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/analytics/countries',
      summary: 'Per country with offices: offices by stage, the stage most are in, stalled offices and share, forecast risk (colour=risk), and the fill the map gives it under colour=stage|count|stalled|risk',
      tag: 'analytics',
      access: 'viewer',
      query: countriesQuery,
      responses: { 200: { description: 'The figures of every country with offices', schema: countriesSchema, text: ['text/csv'] } },
      handler: async ({ query, req, res }) => {
        const result = await mapFigures(runtime, query.colour);
        if (!wantsCsv(req, query.format)) return result;
        sendCsv(
          res,
          `countries-${query.colour}-${result.asOf.slice(0, 10)}`,
          ['country', 'name', 'offices', 'stage', 'stage_label', 'stalled', 'stalled_share', 'open_offices', 'risk', 'fill', 'drawn'],
          result.countries.map((c) => [c.country, c.name, c.offices, c.stage, c.stageLabel, c.stalled, c.stalledShare, c.openOffices, c.risk, c.fill, c.drawn ? 'yes' : 'no']),
        );
      },
    }),
  ];
}
