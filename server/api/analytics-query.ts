import { Duration } from 'luxon';
import { z } from 'zod';
import type { Scope } from '../../analytics/scope';
import type { PolicySet } from '../../engine/reminder-policies';
import { REGIONS } from '../../programme/regions';
import { HttpError } from '../errors';
import { formatParam } from '../csv';

/** A calendar day from 1990 to 2100: the range any programme's history or forecast falls in. */
export const boundedDay = z.iso
  .date()
  .refine((d) => d >= '1990-01-01' && d <= '2100-12-31', 'must be a date between 1990-01-01 and 2100-12-31');

export const scopeQuery = z.object({
  from: boundedDay.optional(),
  to: boundedDay.optional(),
  track: z.enum(['kit', 'internet']).optional(),
  region: z.enum(REGIONS as [string, ...string[]]).optional(),
  format: formatParam,
});

export type ScopeQuery = z.infer<typeof scopeQuery>;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Default period: the year up to today. */
export function scopeOf(query: ScopeQuery, now: Date): Scope {
  const to = query.to ?? isoDay(now.getTime());
  const from = query.from ?? isoDay(Date.parse(`${to}T00:00:00Z`) - 364 * 86_400_000);
  if (from > to) throw new HttpError(400, 'invalid_input', `"from" (${from}) is after "to" (${to}).`, { from, to });
  return { from, to, track: query.track, region: query.region };
}

/** `state:P45D`, several comma-separated or repeated. */
export const policyParam = z.union([z.string(), z.array(z.string())]).optional();

/** The SLA overrides of `policy=state:P45D,…`; a state without a policy or a bad duration is a 400. */
export function parsePolicyOverrides(param: string | string[] | undefined, policies: PolicySet): Record<string, string> {
  const items = (Array.isArray(param) ? param : param ? [param] : []).flatMap((p) => p.split(',')).filter(Boolean);
  const out: Record<string, string> = {};
  for (const item of items) {
    const [state, sla, extra] = item.split(':');
    const ms = sla ? Duration.fromISO(sla).as('milliseconds') : Number.NaN;
    if (!state || !sla || extra !== undefined || !(ms > 0)) {
      throw new HttpError(400, 'invalid_input', `policy must be state:ISO-duration, e.g. invited:P45D (got "${item}").`, { policy: item });
    }
    if (!policies.has(state)) {
      throw new HttpError(400, 'invalid_input', `"${state}" has no SLA policy (states with one: ${[...policies.keys()].join(', ')}).`, { state });
    }
    out[state] = sla;
  }
  return out;
}
