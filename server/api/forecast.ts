import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { allStates } from '../../machines/describe';
import { runForecast, type ForecastRequest } from '../../forecast/service';
import { formatParam, sendCsv, wantsCsv } from '../csv';
import { HttpError } from '../errors';
import { route, type AnyRoute } from '../route';
import { boundedDay } from './analytics-query';
import { forecastSchema } from './analytics-schemas';

const DAY = 86_400_000;
const statePaths = new Set(allStates().map((s) => s.path));

export const forecastQuery = z.object({
  asOf: boundedDay.optional(),
  deadline: boundedDay.optional(),
  goldDisk: boundedDay.optional(),
  /** `state:factor`, several comma-separated or repeated: `preparing.site.surveying:0.5`. */
  speedup: z.union([z.string(), z.array(z.string())]).optional(),
  runs: z.coerce.number().int().min(1000).max(5000).default(1000),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(1),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  /** `none`: the programme figures alone, without the office list and the simulations that rank it. */
  offices: z.enum(['all', 'none']).default('all'),
  format: formatParam,
});
export type ForecastQuery = z.infer<typeof forecastQuery>;

function parseSpeedup(param: string | string[] | undefined): Record<string, number> {
  const items = (Array.isArray(param) ? param : param ? [param] : []).flatMap((p) => p.split(',')).filter(Boolean);
  const out: Record<string, number> = {};
  for (const item of items) {
    const [state, factor, extra] = item.split(':');
    const f = Number(factor);
    if (!state || !statePaths.has(state) || extra !== undefined || !factor || !(f >= 0.05 && f <= 20)) {
      throw new HttpError(400, 'invalid_input', `speedup must be state:factor with a state of the machine and a factor from 0.05 to 20, e.g. preparing.site.surveying:0.5 (got "${item}").`, { speedup: item });
    }
    out[state] = f;
  }
  return out;
}

/** The instants the query names: a day means the end of it; no asOf means now. */
export function forecastRequest(query: ForecastQuery, now: Date, programmeDeadline: string): ForecastRequest {
  const asOf = query.asOf ? Date.parse(`${query.asOf}T00:00:00Z`) + DAY : now.getTime();
  const deadlineDay = query.deadline ?? programmeDeadline;
  const deadline = Date.parse(`${deadlineDay}T00:00:00Z`) + DAY;
  if (deadline <= asOf) throw new HttpError(400, 'invalid_input', `The deadline (${deadlineDay}) must be after the forecast date.`, { deadline: deadlineDay });
  if (deadline - asOf > 10 * 365 * DAY) throw new HttpError(400, 'invalid_input', 'The deadline must be within ten years of the forecast date.', { deadline: deadlineDay });
  const speedup = parseSpeedup(query.speedup);
  return {
    asOf,
    deadline,
    runs: query.runs,
    seed: query.seed,
    scenario: { ...(query.goldDisk ? { goldDisk: Date.parse(`${query.goldDisk}T00:00:00Z`) } : {}), ...(Object.keys(speedup).length ? { speedup } : {}) },
  };
}

export function forecastRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/forecast',
      summary:
        'Monte Carlo forecast (seeded, ≥1,000 runs) from the observed stays: offices installed or connected and handed over by the deadline with 80% intervals, the date 90% of engaged offices are done, and per open office its chance, expected date and slowest stage; goldDisk= and speedup=state:factor give a scenario beside the baseline',
      tag: 'analytics',
      access: 'viewer',
      query: forecastQuery,
      responses: { 200: { description: 'The forecast, one page of its open offices; format=csv: every open office as CSV', schema: forecastSchema, text: ['text/csv'] } },
      handler: async ({ query, req, res }) => {
        const csv = wantsCsv(req, query.format);
        const view = await runForecast(runtime.storage.history, forecastRequest(query, runtime.engine.clock.now(), runtime.config.PROGRAMME_DEADLINE), { offices: csv || query.offices === 'all' });
        if (csv) {
          sendCsv(
            res,
            `forecast-offices-${view.asOf.slice(0, 10)}-to-${view.deadline.slice(0, 10)}`,
            ['office_id', 'name', 'country', 'track', 'states', 'contact_name', 'contact_email', 'probability_by_deadline', 'expected', 'low', 'high', 'slowest_stage', 'push'],
            view.offices.map((o) => [o.officeId, o.name, o.country, o.track, o.states.join(' + '), o.contact?.name, o.contact?.email, o.probability, o.expected, o.low, o.high, o.longestState, o.push]),
          );
          return;
        }
        return { ...view, totalOffices: view.offices.length, offices: view.offices.slice(query.offset, query.offset + query.limit) };
      },
    }),
  ];
}
